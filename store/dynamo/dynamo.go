// Package dynamo is ecsmedic's store on Amazon DynamoDB: the engine for
// several replicas sharing one table, where the default engine (package
// store, one bbolt file) serves one replica. It meets store.Engine, and the
// same conformance suite (store/storetest) holds both engines to the same
// behaviour. docs/store.md describes the table.
//
// Every record is one item {pk, sk, doc, ver}: doc is the record as JSON,
// as bbolt keeps it, and ver a version number. A change to a record reads
// it, applies the same rule the bbolt engine applies, and writes it back
// only if ver is still what it read (a conditional write); when another
// replica wrote first the write fails and the rule runs again on the new
// record. That is what makes Transition, LockService, Claim,
// ClaimAnnouncement and AcquireLease exactly-once across replicas. Reads
// are Query or GetItem, never Scan.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ecsmedic/ecsmedic/store"
)

// Options for New.
type Options struct {
	Client *dynamodb.Client
	Table  string
	// Now is the clock (tests); nil = time.Now.
	Now func() time.Time
	// Timeout bounds each method's calls; 0 = 10 s.
	Timeout time.Duration
	// Retention, when set, gives stops and finished changes a DynamoDB
	// TTL (the item's ttl attribute) this long after they end, so the
	// table forgets them even if Prune never runs.
	Retention time.Duration
}

// Store is the DynamoDB engine. It is safe for concurrent use, by any
// number of processes on one table.
type Store struct {
	db        *dynamodb.Client
	table     string
	now       func() time.Time
	timeout   time.Duration
	retention time.Duration
}

var _ store.Engine = (*Store)(nil)

// New returns the engine on an existing table (CreateTable makes one).
func New(opts Options) (*Store, error) {
	if opts.Client == nil {
		return nil, errors.New("the DynamoDB store needs a client")
	}
	if opts.Table == "" {
		return nil, errors.New("no DynamoDB table: set storage.table in the config")
	}
	s := &Store{db: opts.Client, table: opts.Table, now: opts.Now, timeout: opts.Timeout, retention: opts.Retention}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	return s, nil
}

// Close releases nothing: the client's connections close with the process.
func (s *Store) Close() error { return nil }

func (s *Store) clock() time.Time { return s.now().UTC().Round(0) }

func (s *Store) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}

// Partition keys. Each kind of record lives in one partition, read with a
// Query: a team's changes, locks, leases and stops are hundreds, not
// millions, and retention keeps them so.
const (
	pkChanges = "changes"  // sk: change id
	pkLocks   = "locks"    // sk: cluster/service
	pkAudit   = "audit"    // sk: seq, 20 digits
	pkCounter = "counters" // sk: audit
	pkStops   = "stops"    // sk: task ARN
	pkStopIdx = "stopidx"  // sk: cluster/service/time/ARN
	pkKV      = "kv"       // sk: key
	pkLeases  = "leases"   // sk: name
)

// CreateTable makes the table as docs/store.md describes it (pay per
// request, TTL on ttl) and waits until it is active. An existing table is
// left as it is.
func (s *Store) CreateTable(ctx context.Context) error {
	_, err := s.db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(s.table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return s.explain("creating the table", err)
	}
	w := dynamodb.NewTableExistsWaiter(s.db, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)}, 2*time.Minute); err != nil {
		return s.explain("waiting for the table", err)
	}
	_, err = s.db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(s.table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(true)},
	})
	if err != nil && !isTTLAlreadyOn(err) {
		return s.explain("turning on the table's TTL", err)
	}
	return nil
}

func isTTLAlreadyOn(err error) bool {
	var ve interface{ ErrorMessage() string }
	return errors.As(err, &ve) && strings.Contains(strings.ToLower(ve.ErrorMessage()), "already enabled")
}

// explain words a DynamoDB error for the person running the bot.
func (s *Store) explain(what string, err error) error {
	var nf *types.ResourceNotFoundException
	var api interface{ ErrorCode() string }
	switch {
	case errors.As(err, &nf):
		return fmt.Errorf("%s: the DynamoDB table %q does not exist: create it with deploy/dynamodb-table.json or `ecsmedic store create-table`: %w", what, s.table, err)
	case errors.As(err, &api) && api.ErrorCode() == "AccessDeniedException":
		return fmt.Errorf("%s: DynamoDB refused access to table %q: give the bot's role the actions docs/store.md lists on that table: %w", what, s.table, err)
	case errors.As(err, &api) && (api.ErrorCode() == "ProvisionedThroughputExceededException" || api.ErrorCode() == "ThrottlingException"):
		return fmt.Errorf("%s: DynamoDB is throttling table %q: use on-demand capacity (PAY_PER_REQUEST) or raise its capacity: %w", what, s.table, err)
	}
	return fmt.Errorf("%s (DynamoDB table %q): %w", what, s.table, err)
}

// item is one record as stored.
type item struct {
	doc   []byte
	ver   int64
	found bool
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}}
}

func (s *Store) get(ctx context.Context, pk, sk string) (item, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return item{}, err
	}
	return decodeItem(out.Item)
}

func decodeItem(m map[string]types.AttributeValue) (item, error) {
	if m == nil {
		return item{}, nil
	}
	it := item{found: true}
	if d, ok := m["doc"].(*types.AttributeValueMemberS); ok {
		it.doc = []byte(d.Value)
	}
	if v, ok := m["ver"].(*types.AttributeValueMemberN); ok {
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			return item{}, fmt.Errorf("a record's version %q is not a number", v.Value)
		}
		it.ver = n
	}
	return it, nil
}

// errChanged: the record changed between the read and the write.
var errChanged = errors.New("the record changed meanwhile")

// put writes doc over the item read as old, only if it is still that
// version (or still absent). ttl 0 means none.
func (s *Store) put(ctx context.Context, pk, sk string, old item, doc []byte, ttl time.Time) error {
	m := key(pk, sk)
	m["doc"] = &types.AttributeValueMemberS{Value: string(doc)}
	m["ver"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(old.ver+1, 10)}
	if !ttl.IsZero() {
		m["ttl"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(ttl.Unix(), 10)}
	}
	in := &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: m}
	if old.found {
		in.ConditionExpression = aws.String("ver = :v")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(old.ver, 10)}}
	} else {
		in.ConditionExpression = aws.String("attribute_not_exists(pk)")
	}
	_, err := s.db.PutItem(ctx, in)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return errChanged
	}
	return err
}

// del removes the item read as old, only if it is still that version.
func (s *Store) del(ctx context.Context, pk, sk string, old item) error {
	in := &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key(pk, sk)}
	if old.found {
		in.ConditionExpression = aws.String("ver = :v")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(old.ver, 10)}}
	}
	_, err := s.db.DeleteItem(ctx, in)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return errChanged
	}
	return err
}

// maxTries bounds the read-check-write loop. Losing a race ends most
// loops at the next read (the record is no longer what the rule wants),
// so many tries means something else keeps writing.
const maxTries = 64

// update runs fn on the record and writes what it returns, again on a
// fresh read whenever another writer came first. fn returns the new doc
// (nil: write nothing) and its TTL.
func (s *Store) update(ctx context.Context, pk, sk string, fn func(it item) (doc []byte, ttl time.Time, err error)) error {
	for range maxTries {
		it, err := s.get(ctx, pk, sk)
		if err != nil {
			return err
		}
		doc, ttl, err := fn(it)
		if err != nil || doc == nil {
			return err
		}
		switch err := s.put(ctx, pk, sk, it, doc, ttl); {
		case err == nil:
			return nil
		case !errors.Is(err, errChanged):
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return fmt.Errorf("record %s/%s kept changing under %d tries: is something else writing to the table?", pk, sk, maxTries)
}

// query reads a partition (or the part of it whose sort keys lie in
// [from, to]; "" for open), following pages, in sort key order or its
// reverse, stopping after limit items when limit > 0.
func (s *Store) query(ctx context.Context, pk, from, to string, forward bool, limit int, each func(sk string, it item) error) error {
	expr := "pk = :pk"
	vals := map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}}
	switch {
	case from != "" && to != "":
		expr += " AND sk BETWEEN :a AND :b"
		vals[":a"], vals[":b"] = &types.AttributeValueMemberS{Value: from}, &types.AttributeValueMemberS{Value: to}
	case from != "":
		expr += " AND sk >= :a"
		vals[":a"] = &types.AttributeValueMemberS{Value: from}
	case to != "":
		expr += " AND sk <= :b"
		vals[":b"] = &types.AttributeValueMemberS{Value: to}
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), KeyConditionExpression: aws.String(expr),
		ExpressionAttributeValues: vals, ScanIndexForward: aws.Bool(forward), ConsistentRead: aws.Bool(true),
	}
	n := 0
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, m := range page.Items {
			it, err := decodeItem(m)
			if err != nil {
				return err
			}
			sk, _ := m["sk"].(*types.AttributeValueMemberS)
			if sk == nil {
				continue
			}
			if err := each(sk.Value, it); err != nil {
				if errors.Is(err, errStop) {
					return nil
				}
				return err
			}
			n++
			if limit > 0 && n >= limit {
				return nil
			}
		}
	}
	return nil
}

// errStop ends a query early without an error.
var errStop = errors.New("stop")
