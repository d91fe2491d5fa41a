package change

import (
	"context"
	"errors"
	"io"
	"syscall"

	"github.com/aws/smithy-go"

	"github.com/ecsmedic/ecsmedic/aws"
)

// outcomeUnknown reports whether a failed write may still have been
// carried out: AWS did not answer in time, answered with a server error
// (5xx), or the connection broke before the answer. A refusal (a 4xx:
// denied, throttled, invalid) means it was not.
func outcomeUnknown(err error) bool {
	var te *aws.TimeoutError
	switch {
	case errors.As(err, &te), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		return status.HTTPStatusCode() >= 500
	}
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorFault() == smithy.FaultServer
}
