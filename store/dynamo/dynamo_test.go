package dynamo

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/ecsmedic/ecsmedic/internal/mototest"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/store/storetest"
)

func TestMain(m *testing.M) {
	mototest.IsolateEnv()
	code := m.Run()
	mototest.Stop()
	os.Exit(code)
}

var tables atomic.Int64

// openMoto makes a fresh table on moto's DynamoDB (each test its own, so
// tests need no reset and may run side by side) and the engine on it.
func openMoto(t testing.TB, now func() time.Time) *Store {
	t.Helper()
	url := mototest.URL(t)
	client := dynamodb.New(dynamodb.Options{
		Region:       "ap-northeast-2",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "test", ""),
	})
	s, err := New(Options{Client: client, Table: fmt.Sprintf("ecsmedic-test-%d-%d", os.Getpid(), tables.Add(1)), Now: now, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConformance holds the DynamoDB engine, on moto, to the behaviour
// every engine shares: 1,000 attempts at each exactly-once step, 50 at a
// time, have one winner each.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clk *storetest.Clock) store.Engine {
		return openMoto(t, clk.Now)
	}, storetest.Options{Racers: 50, Attempts: 1000})
}
