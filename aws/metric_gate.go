package aws

import (
	"context"
	"io"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
)

// metricPages is how many GetMetricData answers the process reads and
// decodes at once. A full page is up to 100,800 points: about 2 MB on the
// wire and 5 MB once decoded, so the 9 calls of a 1,000-service summary,
// decoded side by side, took 70 MB; one at a time, the whole 1,000-service
// summary peaks at 71 MB of RSS, against 90 with two. The calls still all
// go out at once (the round trips do not change); the other answers wait
// in their connections until the reader is free.
var metricPages = make(chan struct{}, 1)

// gateMetricPages is the per-call option that reads GetMetricData
// answers through metricPages.
func gateMetricPages(o *cloudwatch.Options) {
	if o.HTTPClient != nil {
		o.HTTPClient = gatedClient{o.HTTPClient}
	}
}

type gatedClient struct{ next cloudwatch.HTTPClient }

func (g gatedClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := g.next.Do(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	resp.Body = &gatedBody{ReadCloser: resp.Body, ctx: req.Context()}
	return resp, nil
}

// gatedBody takes a place in metricPages on its first read and gives it
// back when closed: the SDK closes an answer's body once it has decoded
// it, so the place covers the read and the decoding.
type gatedBody struct {
	io.ReadCloser
	ctx     context.Context
	held    bool
	release sync.Once
}

func (b *gatedBody) Read(p []byte) (int, error) {
	if !b.held {
		select {
		case metricPages <- struct{}{}:
			b.held = true
		case <-b.ctx.Done():
			return 0, b.ctx.Err()
		}
	}
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.free() // nothing to decode
	}
	return n, err
}

func (b *gatedBody) Close() error {
	b.free()
	return b.ReadCloser.Close()
}

func (b *gatedBody) free() {
	if b.held {
		b.release.Do(func() { <-metricPages })
	}
}
