package dynamo

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ecsmedic/ecsmedic/store"
)

// Audit appends r with the next sequence number: an atomic counter
// (UpdateItem ADD), so replicas never share a number.
func (s *Store) Audit(r store.AuditRecord) (store.AuditRecord, error) {
	if r.Event == "" {
		return store.AuditRecord{}, errors.New("an audit record needs an event")
	}
	if r.At.IsZero() {
		r.At = s.clock()
	}
	ctx, cancel := s.ctx()
	defer cancel()
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(pkCounter, "audit"),
		UpdateExpression:          aws.String("ADD n :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return store.AuditRecord{}, s.explain(fmt.Sprintf("writing the audit record (%s)", r.Event), err)
	}
	n, _ := out.Attributes["n"].(*types.AttributeValueMemberN)
	if n == nil {
		return store.AuditRecord{}, fmt.Errorf("writing the audit record (%s): DynamoDB returned no sequence number", r.Event)
	}
	seq, err := strconv.ParseUint(n.Value, 10, 64)
	if err != nil {
		return store.AuditRecord{}, fmt.Errorf("writing the audit record (%s): sequence %q: %w", r.Event, n.Value, err)
	}
	r.Seq = seq
	doc, err := json.Marshal(r)
	if err != nil {
		return store.AuditRecord{}, err
	}
	if err := s.put(ctx, pkAudit, seqKey(seq), item{}, doc, time.Time{}); err != nil {
		return store.AuditRecord{}, s.explain(fmt.Sprintf("writing the audit record (%s)", r.Event), err)
	}
	return r, nil
}

// seqKey orders sequence numbers as strings.
func seqKey(seq uint64) string { return fmt.Sprintf("%020d", seq) }

// AuditLog returns the records at or after since, oldest first; with
// limit > 0 only the newest limit of them. It reads newest first and
// stops as soon as it has them.
func (s *Store) AuditLog(since time.Time, limit int) ([]store.AuditRecord, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	var out []store.AuditRecord
	err := s.query(ctx, pkAudit, "", "", false, 0, func(_ string, it item) error {
		var r store.AuditRecord
		if err := json.Unmarshal(it.doc, &r); err != nil || r.At.Before(since) {
			return nil
		}
		out = append(out, r)
		if limit > 0 && len(out) == limit {
			return errStop
		}
		return nil
	})
	if err != nil {
		return nil, s.explain("reading the audit log", err)
	}
	slices.Reverse(out)
	return out, nil
}
