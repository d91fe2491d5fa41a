package aws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecsmedic/ecsmedic/internal/spell"
)

// Error is an AWS error reworded for the student on call: what is wrong and
// how to fix it. The SDK's error stays wrapped for errors.As and the logs.
type Error struct {
	Msg string
	Err error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// NotFoundError is a cluster or service that does not exist, with the
// closest names that do.
type NotFoundError struct {
	Kind        string // "cluster" or "service"
	Name        string
	Cluster     string // for a service
	Why         string // "" or e.g. "it was deleted"
	Suggestions []string
	Err         error
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q not found", e.Kind, e.Name)
	if e.Kind == "service" && e.Cluster != "" {
		fmt.Fprintf(&b, " in cluster %q", e.Cluster)
	}
	if e.Why != "" {
		fmt.Fprintf(&b, " (%s)", e.Why)
	}
	if len(e.Suggestions) > 0 {
		fmt.Fprintf(&b, "; did you mean %s?", strings.Join(e.Suggestions, " or "))
	} else if e.Kind == "cluster" {
		b.WriteString("; check the cluster name and the Region (aws ecs list-clusters)")
	} else {
		b.WriteString("; check the service name (aws ecs list-services --cluster " + e.Cluster + ")")
	}
	return b.String()
}

func (e *NotFoundError) Unwrap() error { return e.Err }

var notAuthorizedRE = regexp.MustCompile(`not authorized to perform:? ([A-Za-z0-9-]+:[A-Za-z0-9]+)`)

// iamPrefixes maps the SDK's service ids to IAM action prefixes.
var iamPrefixes = map[string]string{
	"ECS":                       "ecs",
	"CloudWatch":                "cloudwatch",
	"CloudWatch Logs":           "logs",
	"Elastic Load Balancing v2": "elasticloadbalancing",
	"Auto Scaling":              "autoscaling",
	"Application Auto Scaling":  "application-autoscaling",
	"STS":                       "sts",
	"SQS":                       "sqs",
}

// Explain turns an SDK error into one a student can act on, keeping the
// original wrapped. Errors it does not recognise come back unchanged; nil
// stays nil.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var done *Error
	var nf *NotFoundError
	if errors.As(err, &done) || errors.As(err, &nf) {
		return err
	}
	if msg := explain(err); msg != "" {
		return &Error{Msg: msg, Err: err}
	}
	return err
}

func explain(err error) string {
	op := operationName(err)
	call := "the call to AWS"
	if op != "" {
		call = op
	}
	var api smithy.APIError
	hasAPI := errors.As(err, &api)
	code := ""
	if hasAPI {
		code = api.ErrorCode()
	}
	var timeout *TimeoutError
	var missingRegion *aws.MissingRegionError
	switch {
	case errors.As(err, &missingRegion):
		return "no AWS Region is set: put region in the config's aws section, or set AWS_REGION (e.g. AWS_REGION=ap-northeast-2)"
	case isCredentialsError(err):
		if role := assumeRoleFailure(err); role != "" {
			return "could not assume the configured role: " + role + "; check the role ARN, its trust policy (it must trust the identity ecsmedic runs as) and the external id"
		}
		return "no AWS credentials found for " + call + ": set AWS_PROFILE to a profile from ~/.aws/credentials, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run ecsmedic on ECS with a task role"
	case isAccessDenied(err):
		action := deniedAction(err)
		return fmt.Sprintf("access denied: the AWS identity ecsmedic uses may not call %s; add %q to its IAM policy (ecsmedic iam-policy prints the whole policy)", action, action)
	case code == "ClusterNotFoundException":
		return "the ECS cluster was not found (" + call + "); check the cluster name in the config and the Region (aws ecs list-clusters)"
	case code == "ServiceNotFoundException" || code == "ServiceNotActiveException":
		return "the ECS service was not found or is no longer active (" + call + "); check the service name (aws ecs list-services --cluster CLUSTER)"
	case invalidCredentialCodes[code]:
		return "AWS rejected the credentials (" + code + " on " + call + "): they are wrong or expired; refresh them (aws sso login, new keys) or check AWS_PROFILE"
	case isThrottle(err):
		return "AWS is throttling this account (" + call + " was refused as \"rate exceeded\"" + attemptsText(err) + "); wait a minute and try again, and check whether another tool is polling the same API"
	case errors.As(err, &timeout):
		return fmt.Sprintf("AWS did not answer within %s (%s); check the network path to AWS (or to AWS_ENDPOINT_URL) and try again", timeout.After, call)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Sprintf("the connection to AWS was cut before %s was answered%s; check the network path to AWS (or to AWS_ENDPOINT_URL) and try again", call, attemptsText(err))
	case errors.Is(err, context.DeadlineExceeded):
		return "the command ran out of time waiting for AWS (" + call + "); try again, or ask for a shorter time window"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "could not connect to " + endpointOf(err) + ": nothing is listening there; if AWS_ENDPOINT_URL or the endpoint setting points at a simulator, start it (ecsmedic sim --world FILE), else unset it"
	case isDNSError(err):
		return "could not resolve the AWS endpoint " + endpointOf(err) + ": check the Region name and the network (DNS)"
	case serverStatus(err) >= 500:
		return fmt.Sprintf("AWS answered %s with an internal error (HTTP %d%s); this is usually brief: try again in a minute, and see https://health.aws.amazon.com if it lasts", call, serverStatus(err), attemptsText(err))
	}
	return ""
}

var invalidCredentialCodes = map[string]bool{
	"UnrecognizedClientException": true, "InvalidClientTokenId": true, "InvalidSignatureException": true,
	"SignatureDoesNotMatch": true, "ExpiredToken": true, "ExpiredTokenException": true, "RequestExpired": true,
}

var accessDeniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"AuthorizationError": true, "UnauthorizedException": true,
}

func isAccessDenied(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	return accessDeniedCodes[api.ErrorCode()] || strings.Contains(api.ErrorMessage(), "not authorized to perform")
}

// isNotFound reports an optional resource that does not exist (a target
// group, a log stream, an old task definition).
func isNotFound(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "ResourceNotFoundException", "TargetGroupNotFound", "LoadBalancerNotFound", "ObjectNotFoundException",
		"ClusterNotFoundException", "ServiceNotFoundException":
		return true
	case "ClientException", "InvalidParameterException":
		m := strings.ToLower(api.ErrorMessage())
		return strings.Contains(m, "unable to describe task definition") || strings.Contains(m, "not found") || strings.Contains(m, "does not exist")
	}
	return false
}

// errCode is the AWS error code of err, or "".
func errCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func isThrottle(err error) bool {
	return retry.ThrottleErrorCode{Codes: retry.DefaultThrottleErrorCodes}.IsErrorThrottle(err) == aws.TrueTernary
}

func isCredentialsError(err error) bool {
	var se *v4.SigningError
	if errors.As(err, &se) {
		return true
	}
	// The SDK wraps a failed credential lookup in plain fmt errors.
	m := err.Error()
	for _, s := range []string{"get credentials: ", "failed to retrieve credentials", "failed to refresh cached credentials"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// assumeRoleFailure returns the STS error of a failed AssumeRole, or "".
func assumeRoleFailure(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		op, ok := e.(*smithy.OperationError)
		if !ok || op.OperationName != "AssumeRole" {
			continue
		}
		var api smithy.APIError
		if errors.As(op.Err, &api) {
			return api.ErrorCode() + ": " + api.ErrorMessage()
		}
		return op.Err.Error()
	}
	return ""
}

// deniedAction names the IAM action that was refused: from AWS's message
// when it says so, else from the operation.
func deniedAction(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		if m := notAuthorizedRE.FindStringSubmatch(api.ErrorMessage()); m != nil {
			return m[1]
		}
	}
	if a := operationName(err); a != "" {
		return a
	}
	return "the requested action"
}

// operationName returns "ecs:DescribeServices" for an SDK operation error.
func operationName(err error) string {
	var op *smithy.OperationError
	if !errors.As(err, &op) {
		return ""
	}
	prefix, ok := iamPrefixes[op.ServiceID]
	if !ok {
		prefix = strings.ToLower(strings.ReplaceAll(op.ServiceID, " ", ""))
	}
	return prefix + ":" + op.OperationName
}

func attemptsText(err error) string {
	var max *retry.MaxAttemptsError
	if errors.As(err, &max) && max.Attempt > 1 {
		return fmt.Sprintf(", after %d tries", max.Attempt)
	}
	return ""
}

func serverStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func isDNSError(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func endpointOf(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			return u.Scheme + "://" + u.Host
		}
		return ue.URL
	}
	return "the AWS endpoint"
}

// missingRead words an optional read that failed, for Snapshot.Missing.
func missingRead(what string, err error) Missing {
	switch {
	case isAccessDenied(err):
		return Missing{Code: MissingAccessDenied, Source: what, Detail: "access denied for " + deniedAction(err)}
	case isNotFound(err):
		var api smithy.APIError
		if errors.As(err, &api) {
			return Missing{Code: MissingNotFound, Source: what, Detail: "not found (" + api.ErrorMessage() + ")"}
		}
		return Missing{Code: MissingNotFound, Source: what, Detail: "not found"}
	}
	return Missing{Code: MissingReadFailed, Source: what, Detail: Explain(err).Error()}
}

// optional reports whether a failed read may be left out of a snapshot
// instead of failing it: permissions and resources that do not exist.
func optional(err error) bool {
	return isAccessDenied(err) || isNotFound(err)
}

// ClosestNames returns up to three candidates that look like name: equal
// but for case, containing it, or within a few edits, closest first.
func ClosestNames(name string, candidates []string) []string {
	type scored struct {
		name  string
		score int
	}
	n := strings.ToLower(name)
	limit := max(2, len([]rune(n))/3)
	var out []scored
	seen := map[string]bool{}
	for _, c := range candidates {
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		l := strings.ToLower(c)
		d := spell.Distance(n, l)
		if n != "" && (strings.Contains(l, n) || strings.Contains(n, l)) {
			d = min(d, 1)
		}
		if d <= limit {
			out = append(out, scored{c, d})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score < out[j].score
		}
		return out[i].name < out[j].name
	})
	var names []string
	for i := 0; i < len(out) && i < 3; i++ {
		names = append(names, out[i].name)
	}
	return names
}
