package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ecsmedic/ecsmedic/store"
)

// A stop is its record (pk stops, sk the task ARN) and an index entry
// (pk stopidx, sk cluster/service/time/ARN) that Stops and Prune read in
// order. Names of clusters and services hold no "/".

// timeKey orders times as strings: 16 hex digits of the nanoseconds,
// shifted so that times before 1970 sort first too.
func timeKey(t time.Time) string { return fmt.Sprintf("%016x", uint64(t.UnixNano())^(1<<63)) }

func indexKey(r store.StopRecord) string {
	return r.Cluster + "/" + r.Service + "/" + timeKey(r.When()) + "/" + r.TaskArn
}

func (s *Store) stopTTL(r store.StopRecord) time.Time {
	if s.retention <= 0 {
		return time.Time{}
	}
	return r.When().Add(s.retention)
}

func decodeStop(it item) (store.StopRecord, error) {
	var r store.StopRecord
	err := json.Unmarshal(it.doc, &r)
	return r, err
}

// RecordStop saves a stopped task, idempotently by TaskArn, merging a
// later report into the recorded one as the bbolt engine does.
func (s *Store) RecordStop(r store.StopRecord) (isNew bool, err error) {
	if r.TaskArn == "" {
		return false, errors.New("a stop record needs a task ARN")
	}
	if strings.Contains(r.Cluster, "/") || strings.Contains(r.Service, "/") {
		return false, fmt.Errorf("stop record of %s: cluster and service names cannot contain /", r.TaskArn)
	}
	ctx, cancel := s.ctx()
	defer cancel()
	now := s.clock()
	var oldIdx, newIdx string
	var saved store.StopRecord
	err = s.update(ctx, pkStops, r.TaskArn, func(it item) ([]byte, time.Time, error) {
		oldIdx, isNew = "", !it.found
		next := r
		if it.found {
			old, err := decodeStop(it)
			if err != nil {
				isNew = true // a damaged record: the fresh report replaces it
			} else {
				oldIdx = indexKey(old)
				next = store.MergeStop(old, r)
			}
		}
		if isNew && next.FirstSeen.IsZero() {
			next.FirstSeen = now
		}
		saved, newIdx = next, indexKey(next)
		doc, err := json.Marshal(next)
		return doc, s.stopTTL(next), err
	})
	if err != nil {
		return false, s.explain("recording the stop of "+r.TaskArn, err)
	}
	if oldIdx != newIdx {
		if err := s.put(ctx, pkStopIdx, newIdx, item{}, []byte(r.TaskArn), s.stopTTL(saved)); err != nil && !errors.Is(err, errChanged) {
			return false, s.explain("indexing the stop of "+r.TaskArn, err)
		}
		if oldIdx != "" {
			if err := s.del(ctx, pkStopIdx, oldIdx, item{}); err != nil {
				return false, s.explain("indexing the stop of "+r.TaskArn, err)
			}
		}
	}
	return isNew, nil
}

// Stop returns the stop record of a task, or ErrNotFound.
func (s *Store) Stop(taskArn string) (store.StopRecord, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	it, err := s.get(ctx, pkStops, taskArn)
	if err != nil {
		return store.StopRecord{}, s.explain("reading the stop of "+taskArn, err)
	}
	if !it.found {
		return store.StopRecord{}, fmt.Errorf("%w: no stop recorded for task %s", store.ErrNotFound, taskArn)
	}
	r, err := decodeStop(it)
	if err != nil {
		return store.StopRecord{}, &store.BadRecordError{Bucket: "stops", Key: taskArn, Err: err}
	}
	return r, nil
}

// updateStop applies f to a recorded stop and saves it if f says so.
func (s *Store) updateStop(taskArn string, f func(*store.StopRecord) bool) error {
	ctx, cancel := s.ctx()
	defer cancel()
	err := s.update(ctx, pkStops, taskArn, func(it item) ([]byte, time.Time, error) {
		if !it.found {
			return nil, time.Time{}, fmt.Errorf("%w: no stop recorded for task %s (record it with RecordStop first)", store.ErrNotFound, taskArn)
		}
		r, err := decodeStop(it)
		if err != nil {
			return nil, time.Time{}, &store.BadRecordError{Bucket: "stops", Key: taskArn, Err: err}
		}
		if !f(&r) {
			return nil, time.Time{}, nil
		}
		doc, err := json.Marshal(r)
		return doc, s.stopTTL(r), err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrDamaged) {
		return s.explain("updating the stop of "+taskArn, err)
	}
	return err
}

// ClaimAnnouncement sets AnnouncedAt once: first is true for exactly one
// caller, across replicas.
func (s *Store) ClaimAnnouncement(taskArn string) (first bool, err error) {
	now := s.clock()
	err = s.updateStop(taskArn, func(r *store.StopRecord) bool {
		first = r.Announce(now) // a retried rule starts afresh
		return first
	})
	return first, err
}

// SetStopAlert stores the alert posted for a stop and its crash-loop group.
func (s *Store) SetStopAlert(taskArn, messageID, group string) error {
	return s.updateStop(taskArn, func(r *store.StopRecord) bool {
		r.SetAlert(messageID, group)
		return true
	})
}

// Stops returns the stops of a service at or after since, newest first
// (service "": the whole cluster; cluster "": every cluster): a Query of
// the index, then the records by BatchGetItem.
func (s *Store) Stops(cluster, service string, since time.Time) ([]store.StopRecord, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	from, to := "", ""
	switch {
	case cluster == "":
	case service == "":
		from, to = cluster+"/", cluster+"/\U0010ffff"
	default:
		from, to = cluster+"/"+service+"/"+timeKey(since), cluster+"/"+service+"/\U0010ffff"
	}
	var arns []string
	seen := map[string]bool{}
	err := s.query(ctx, pkStopIdx, from, to, true, 0, func(_ string, it item) error {
		if arn := string(it.doc); arn != "" && !seen[arn] {
			seen[arn] = true
			arns = append(arns, arn)
		}
		return nil
	})
	if err != nil {
		return nil, s.explain("listing stops", err)
	}
	recs, err := s.batchStops(ctx, arns)
	if err != nil {
		return nil, s.explain("reading stops", err)
	}
	out := recs[:0]
	for _, r := range recs {
		// The index may briefly hold an old entry of a stop whose time
		// moved: the record itself decides.
		if r.When().Before(since) || (cluster != "" && r.Cluster != cluster) || (service != "" && r.Service != service) {
			continue
		}
		out = append(out, r)
	}
	store.SortStops(out)
	return out, nil
}

// batchStops reads stop records 100 at a time, retrying what DynamoDB
// leaves unprocessed.
func (s *Store) batchStops(ctx context.Context, arns []string) ([]store.StopRecord, error) {
	var out []store.StopRecord
	for start := 0; start < len(arns); start += 100 {
		keys := make([]map[string]types.AttributeValue, 0, 100)
		for _, a := range arns[start:min(start+100, len(arns))] {
			keys = append(keys, key(pkStops, a))
		}
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
		for len(req) > 0 {
			res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, err
			}
			for _, m := range res.Responses[s.table] {
				it, err := decodeItem(m)
				if err != nil {
					continue
				}
				if r, err := decodeStop(it); err == nil {
					out = append(out, r)
				}
			}
			req = res.UnprocessedKeys
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
	}
	return out, nil
}
