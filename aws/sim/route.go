package sim

import (
	"net/http"
	"strings"
)

// wire is the protocol a request came in on; the answer goes back on it.
type wire int

const (
	wireUnknown wire = iota
	wireJSON10
	wireJSON11
	wireCBOR
	wireQuery
)

func (p wire) String() string {
	switch p {
	case wireJSON10:
		return "awsJson1_0"
	case wireJSON11:
		return "awsJson1_1"
	case wireCBOR:
		return "rpcv2Cbor"
	case wireQuery:
		return "awsQuery"
	}
	return "unknown"
}

// jsonTargets maps the X-Amz-Target prefix (the Smithy service shape name)
// to the service id.
var jsonTargets = map[string]string{
	"AmazonEC2ContainerServiceV20141113": SvcECS,
	"Logs_20140328":                      SvcLogs,
	"AnyScaleFrontendService":            SvcAppAutoScaling,
	"GraniteServiceVersion20100801":      SvcCloudWatch,
	"AWSSecurityTokenServiceV20110615":   SvcSTS,
}

// cborServices maps the service name in an RPC v2 path to the service id.
var cborServices = map[string]string{
	"GraniteServiceVersion20100801": SvcCloudWatch,
}

// queryVersions maps an awsQuery Version to the service id.
var queryVersions = map[string]string{
	"2015-12-01": SvcELBv2,
	"2011-01-01": SvcAutoScaling,
	"2011-06-15": SvcSTS,
	"2010-08-01": SvcCloudWatch,
}

// maxBody bounds what the simulator reads of a request; the largest real
// inputs (PutMetricData, RegisterTaskDefinition) are far smaller.
const maxBody = 8 << 20

// routed is what routing learns about a request.
type routed struct {
	wire    wire
	service string
	op      string
	input   map[string]any
}

// route identifies protocol, service and operation and decodes the input.
// On error, the returned routed still carries whatever was learnt, so the
// error can be sent in the right protocol's shape.
func route(r *http.Request) (routed, *APIError) {
	var rt routed
	r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
	scope := scopeService(r.Header.Get("Authorization"))

	if target := r.Header.Get("X-Amz-Target"); target != "" {
		rt.wire = wireJSON11
		prefix, op, ok := strings.Cut(target, ".")
		rt.op = op
		if svc, known := jsonTargets[prefix]; known {
			rt.service = svc
		} else {
			rt.service = scope
		}
		if prefix == "GraniteServiceVersion20100801" || prefix == "AWSSecurityTokenServiceV20110615" {
			rt.wire = wireJSON10
		}
		switch ct := r.Header.Get("Content-Type"); {
		case strings.Contains(ct, "json-1.0"):
			rt.wire = wireJSON10
		case strings.Contains(ct, "json-1.1"):
			rt.wire = wireJSON11
		}
		if !ok || op == "" {
			return rt, errorf("UnknownOperationException", "X-Amz-Target %q names no operation; expected SERVICE.Operation, e.g. AmazonEC2ContainerServiceV20141113.DescribeServices", target)
		}
		if rt.service == "" {
			return rt, errorf("UnknownServiceException", "the simulator does not serve %q (from X-Amz-Target); it serves ECS, CloudWatch, CloudWatch Logs, ELBv2, EC2 Auto Scaling, Application Auto Scaling and STS", prefix)
		}
		in, err := decodeJSON(r.Body)
		if err != nil {
			return rt, errorf("SerializationException", "%v", err)
		}
		rt.input = in
		return rt, nil
	}

	if rest, ok := strings.CutPrefix(r.URL.Path, "/service/"); ok && (r.Header.Get("Smithy-Protocol") != "" || strings.Contains(rest, "/operation/")) {
		rt.wire = wireCBOR
		name, op, _ := strings.Cut(rest, "/operation/")
		rt.op = strings.Trim(op, "/")
		if svc, known := cborServices[name]; known {
			rt.service = svc
		} else {
			rt.service = scope
		}
		if p := r.Header.Get("Smithy-Protocol"); p != "" && p != "rpc-v2-cbor" {
			return rt, errorf("UnsupportedProtocolException", "Smithy-Protocol %q is not supported; the simulator speaks rpc-v2-cbor", p)
		}
		if rt.service == "" {
			return rt, errorf("UnknownServiceException", "the simulator does not serve the RPC v2 service %q; it serves GraniteServiceVersion20100801 (CloudWatch)", name)
		}
		if rt.op == "" {
			return rt, errorf("UnknownOperationException", "the path %q names no operation; expected /service/NAME/operation/OPERATION", r.URL.Path)
		}
		in, err := decodeCBOR(r.Body)
		if err != nil {
			return rt, errorf("SerializationException", "%v", err)
		}
		rt.input = in
		return rt, nil
	}

	if err := r.ParseForm(); err != nil {
		rt.wire = wireQuery
		rt.service = scope
		return rt, errorf("MalformedQueryString", "the request body or query string is not a valid form: %v", err)
	}
	if action := r.Form.Get("Action"); action != "" {
		rt.wire = wireQuery
		rt.op = action
		version := r.Form.Get("Version")
		rt.service = queryVersions[version]
		if rt.service == "" {
			rt.service = scope
		}
		if rt.service == "" {
			return rt, errorf("InvalidParameterValue", "cannot tell which service Action=%s with Version=%q is for: the Version is none of 2015-12-01 (elasticloadbalancing), 2011-01-01 (autoscaling), 2011-06-15 (sts), 2010-08-01 (monitoring) and the request is not SigV4-signed", action, version)
		}
		rt.input = decodeQuery(r.Form)
		return rt, nil
	}

	return rt, errorf("UnknownServiceException", "cannot tell which AWS API this %s %s is for: it has no X-Amz-Target header (awsJson), no /service/NAME/operation/OP path (RPC v2 CBOR) and no Action parameter (awsQuery); point the aws CLI at the simulator with --endpoint-url, an AWS SDK with AWS_ENDPOINT_URL", r.Method, r.URL.Path)
}

// scopeService reads the service from a SigV4 Authorization header's
// credential scope, Credential=AKID/DATE/REGION/SERVICE/aws4_request.
func scopeService(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return ""
	}
	if _, known := queryNamespaces[parts[3]]; known {
		return parts[3]
	}
	for _, svc := range jsonTargets {
		if svc == parts[3] {
			return svc
		}
	}
	return ""
}

// unknownOperation is the protocol's answer to an operation the simulator
// does not implement.
func unknownOperation(rt routed) *APIError {
	if rt.wire == wireQuery {
		return errorf("InvalidAction", "The action %s is not valid for this web service (the simulator's %s does not implement it).", rt.op, rt.service)
	}
	return errorf("UnknownOperationException", "the simulator's %s does not implement %s", rt.service, rt.op)
}
