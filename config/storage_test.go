package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStorageEngine: storage.engine picks the store; DynamoDB needs a
// table, and its endpoint follows aws.endpoint's rules.
func TestStorageEngine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		storage string
		want    Storage
		errs    []at
		warns   []at
	}{
		{name: "default", storage: "", want: Storage{Engine: EngineBbolt, Path: DefaultStoragePath, Retention: DefaultRetention}},
		{name: "dynamodb", storage: "storage: {engine: dynamodb, table: ecsmedic, region: ap-northeast-1, endpoint: http://127.0.0.1:5000}\n",
			want: Storage{Engine: EngineDynamoDB, Path: DefaultStoragePath, Retention: DefaultRetention, Table: "ecsmedic", Region: "ap-northeast-1", Endpoint: "http://127.0.0.1:5000"}},
		{name: "a nickname is pointed to its name", storage: "storage: {engine: ddb, table: t-1.x}\n", errs: []at{{8, "storage.engine", "write dynamodb"}}},
		{name: "no table", storage: "storage: {engine: dynamodb}\n", errs: []at{{8, "storage.table", "no table is named"}}},
		{name: "bad table", storage: "storage: {engine: dynamodb, table: \"my table\"}\n", errs: []at{{8, "storage.table", "not a DynamoDB table name"}}},
		{name: "bad region", storage: "storage: {engine: dynamodb, table: t12, region: seoul}\n", errs: []at{{8, "storage.region", "not an AWS Region"}}},
		{name: "plain http elsewhere", storage: "storage: {engine: dynamodb, table: t12, endpoint: \"http://10.0.0.9:8000\"}\n", errs: []at{{8, "storage.endpoint", "plain http to another machine"}}},
		{name: "unknown engine", storage: "storage: {engine: redis}\n", errs: []at{{8, "storage.engine", "redis"}}},
		{name: "table without dynamodb", storage: "storage: {table: t12}\n", want: Storage{Engine: EngineBbolt, Path: DefaultStoragePath, Retention: DefaultRetention},
			warns: []at{{8, "storage.table", "changes nothing"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("ecsmedic.yaml", []byte(minimal+tt.storage))
			if len(tt.errs) > 0 {
				es, ok := err.(Errors)
				if !ok {
					t.Fatalf("error %v, want %v", err, tt.errs)
				}
				if diff := cmp.Diff(tt.errs, problemsAt(es, tt.errs)); diff != "" {
					t.Errorf("errors (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.Storage); diff != "" {
				t.Errorf("storage (-want +got):\n%s", diff)
			}
			var ws []Error
			for _, w := range c.Warnings() {
				if w.Path == "storage.table" {
					ws = append(ws, Error(w))
				}
			}
			if len(tt.warns) > 0 || len(ws) > 0 {
				if diff := cmp.Diff(tt.warns, problemsAt(ws, tt.warns)); diff != "" {
					t.Errorf("warnings (-want +got):\n%s", diff)
				}
			}
		})
	}
}
