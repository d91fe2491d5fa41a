package dynamo

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync"
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
	url := serialMoto(t)
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

var serial struct {
	once sync.Once
	url  string
}

// serialMoto is moto's URL behind a loopback proxy that hands moto one
// request at a time. moto's server answers each request on a thread of
// its own, and its conditional writes are not atomic under that (moto
// 5.2.1: two racing PutItems with attribute_not_exists could both
// succeed), where DynamoDB makes every write to an item atomic. The
// engine's goroutines still race as before; only moto's check-and-write
// is made whole.
func serialMoto(t testing.TB) string {
	t.Helper()
	target := mototest.URL(t)
	serial.once.Do(func() {
		u, err := url.Parse(target)
		if err != nil {
			panic(err)
		}
		proxy := httputil.NewSingleHostReverseProxy(u)
		var mu sync.Mutex
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			proxy.ServeHTTP(w, r)
		}))
		serial.url = srv.URL // closed with the test binary
	})
	return serial.url
}
