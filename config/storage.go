package config

import (
	"fmt"
	"strings"

	"github.com/ecsmedic/ecsmedic/internal/loopback"
)

// Storage engines (README "Choosing the store").
const (
	EngineBbolt    = "bbolt"
	EngineDynamoDB = "dynamodb"
)

// storageEngine reads storage.engine and, for DynamoDB, its table.
func (b *builder) storageEngine(r *rawStorage, s *Storage) {
	s.Engine, _ = b.oneOf(r.Engine, "storage.engine", EngineBbolt, []string{EngineBbolt, EngineDynamoDB},
		staticAliases(map[string]string{"bolt": EngineBbolt, "file": EngineBbolt, "dynamo": EngineDynamoDB, "ddb": EngineDynamoDB}))
	table, tn := b.str(r.Table, "storage.table", "")
	region, rn := b.str(r.Region, "storage.region", "")
	endpoint, en := b.str(r.Endpoint, "storage.endpoint", "")
	if s.Engine != EngineDynamoDB {
		for _, n := range []struct {
			set  bool
			path string
		}{{table != "", "storage.table"}, {region != "", "storage.region"}, {endpoint != "", "storage.endpoint"}} {
			if n.set {
				b.warnAt(nil, n.path, n.path+" is set but storage.engine is bbolt, so it changes nothing", "add engine: dynamodb under storage, or remove it")
			}
		}
		return
	}
	switch {
	case table == "":
		b.errAt(tn, "storage.table", "storage.engine is dynamodb but no table is named",
			"add table: ecsmedic under storage, and create the table (deploy/dynamodb-table.json, or `ecsmedic store create-table`)")
	case len(table) < 3 || len(table) > 255 || strings.Trim(table, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != "":
		b.errAt(tn, "storage.table", fmt.Sprintf("%q is not a DynamoDB table name", table), "table names are 3 to 255 letters, digits, _, - and .")
	default:
		s.Table = table
	}
	if region != "" {
		if !regionRE.MatchString(region) {
			b.errAt(rn, "storage.region", fmt.Sprintf("%q is not an AWS Region", region), "write a Region code such as ap-northeast-2, or leave it out to use aws.region")
		} else {
			s.Region = region
		}
	}
	if endpoint != "" {
		ep, ok := b.httpURL(en, "storage.endpoint", endpoint, false, "http://127.0.0.1:5000 (moto_server)")
		// As aws.endpoint: plain http only on this machine, where the
		// state (approvals, audit) cannot be read off the network.
		if ok && strings.HasPrefix(strings.ToLower(ep), "http://") && !loopback.URL(ep) {
			b.errAt(en, "storage.endpoint", fmt.Sprintf("%q is plain http to another machine: the bot's state would cross the network unencrypted", ep),
				"use https://, or an emulator on this machine (http://127.0.0.1:5000)")
		} else if ok {
			s.Endpoint = ep
		}
	}
}
