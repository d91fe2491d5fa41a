package redact

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecsmedic/ecsmedic/aws/world"
)

// The lines are written the way real applications and clients log; the
// keys are AWS's documented examples, the tokens made up.
var cases = []struct {
	name, in, want string
}{
	// The built-in incident's lines (aws/world/builtin/incident.yaml).
	{"incident sign-up", "DEBUG [c84a09] SignUpDto validated username=skku202452634 email=skku202452634@g.skku.edu",
		"DEBUG [c84a09] SignUpDto validated username=skku202452634 email=[email]"},
	{"incident mail", "DEBUG [c84a09] sending welcome mail to skku202452634@g.skku.edu",
		"DEBUG [c84a09] sending welcome mail to [email]"},
	{"incident hashing", "DEBUG [c84a09] hashing password (argon2id t=3 m=65536 p=1)",
		"DEBUG [c84a09] hashing password (argon2id t=3 m=65536 p=1)"},
	{"incident insert", `DEBUG [c84a09] prisma:query INSERT INTO "public"."user" ("username","email","password","role","created_at") VALUES ($1,$2,$3,$4,$5) RETURNING "public"."user"."id"`,
		`DEBUG [c84a09] prisma:query INSERT INTO "public"."user" ("username","email","password","role","created_at") VALUES ($1,$2,$3,$4,$5) RETURNING "public"."user"."id"`},
	{"incident pool", "WARN [PrismaClient] Timed out fetching a new connection from the connection pool (connection_limit: 5, timeout: 10s)",
		"WARN [PrismaClient] Timed out fetching a new connection from the connection pool (connection_limit: 5, timeout: 10s)"},
	{"incident request", "INFO  [c84a09] <-- POST /user/sign-up 201 4210ms", "INFO  [c84a09] <-- POST /user/sign-up 201 4210ms"},

	// AWS keys.
	{"access key id", "Using credentials AKIAIOSFODNN7EXAMPLE from the environment",
		"Using credentials [aws-key-id] from the environment"},
	{"session key id", `{"level":"debug","accessKeyId":"ASIAY34FZKBOKMUTVV7A","expiration":"2024-04-17T14:00:00Z"}`,
		`{"level":"debug","accessKeyId":"[aws-key-id]","expiration":"2024-04-17T14:00:00Z"}`},
	{"secret env", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_SECRET_ACCESS_KEY=[redacted]"},
	{"secret spaced", "aws_secret_access_key    wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY shared-credentials-file",
		"aws_secret_access_key    [redacted] shared-credentials-file"},
	{"secret key json", `config: {"region":"ap-northeast-2","secret":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`,
		`config: {"region":"ap-northeast-2","secret":"[redacted]"}`},

	// Tokens.
	{"bearer header", "GET /api/me Authorization: Bearer abcdef0123456789ABCDEF.xyz 200",
		"GET /api/me Authorization: Bearer [redacted] 200"},
	{"basic header", `headers={"authorization":"Basic dXNlcjpodW50ZXIy"}`,
		`headers={"authorization":"Basic [redacted]"}`},
	{"bearer inline", "retrying with bearer 9f8e7d6c5b4a39281706", "retrying with bearer [redacted]"},
	{"jwt", "ERROR invalid session eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c expired",
		"ERROR invalid session [jwt] expired"},
	{"discord token", "bot login with MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456 failed",
		"bot login with [discord-token] failed"},

	// Passwords.
	{"url password", "connecting to postgresql://codedang:s3cr3t-P%40ss@db.internal:5432/skku?sslmode=require",
		"connecting to postgresql://codedang:[redacted]@db.internal:5432/skku?sslmode=require"},
	{"redis url", "Error: connect ECONNREFUSED redis://default:hunter2@10.0.2.15:6379",
		"Error: connect ECONNREFUSED redis://default:[redacted]@10.0.2.15:6379"},
	{"url no password", "GET https://example.com/a@b 404", "GET https://example.com/a@b 404"},
	{"logfmt pairs", "level=info msg=login user=kim password=hunter2 api_key=sk_live_51HxYz remember=true",
		"level=info msg=login user=kim password=[redacted] api_key=[redacted] remember=true"},
	{"query string", "GET /reset?email_token=8c1f7a2b&next=/home 302", "GET /reset?email_token=[redacted]&next=/home 302"},
	{"json password", `{"msg":"sign-in","body":{"username":"kim","password": "hunter2 with spaces"}}`,
		`{"msg":"sign-in","body":{"username":"kim","password": "[redacted]"}}`},
	{"env style", "DB_PASSWORD=hunter2 DB_HOST=db", "DB_PASSWORD=[redacted] DB_HOST=db"},
	{"after an ARN", "role=arn:aws:iam::1:role/app password:hunter2", "role=arn:aws:iam::1:role/app password:[redacted]"},
	{"arn-like value", "secret:arn:hunter2", "secret:[redacted]"},
	{"colon style", "passwd: hunter2", "passwd: [redacted]"},
	{"spaced pair", "db password = hunter2 host = db", "db password = [redacted] host = db"},
	{"clipped json", `{"user":"kim","password":"hunter2 and more tha…`, `{"user":"kim","password":"[redacted]"`},
	{"empty value", "password= user=kim", "password= user=kim"},
	{"escaped quote", `{"client_secret":"a\"b","next":1}`, `{"client_secret":"[redacted]","next":1}`},
	{"korean around", "로그인 실패: password=비밀번호123 사용자 kim@example.com", "로그인 실패: password=[redacted] 사용자 [email]"},
	{"presigned url", "PUT https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240417&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
		"PUT https://b.s3.amazonaws.com/k?X-Amz-Credential=[aws-key-id]%2F20240417&X-Amz-Signature=[redacted]"},

	// Text with nothing to mask stays as it is.
	{"stop reason", "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/api/0123456789abcdef)",
		"Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:ap-northeast-2:111122223333:targetgroup/api/0123456789abcdef)"},
	{"secret fetch failed", "failed to fetch secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/billing/stripe-Xy12Ab from secrets manager: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsTaskExecutionRole/68bc is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/billing/stripe-Xy12Ab",
		"failed to fetch secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/billing/stripe-Xy12Ab from secrets manager: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsTaskExecutionRole/68bc is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/billing/stripe-Xy12Ab"},
	{"prose about tokens", "the token expired; sign in again", "the token expired; sign in again"},
	{"command", "!scale backend cpu 1024", "!scale backend cpu 1024"},
	{"empty", "", ""},
}

func TestString(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Default.String(c.in); got != c.want {
				t.Errorf("String(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
			// Masking twice changes nothing more.
			if got := Default.String(c.want); got != c.want {
				t.Errorf("String is not idempotent on %q: got %q", c.want, got)
			}
		})
	}
}

func TestNilMasksEverything(t *testing.T) {
	var r *Redactor
	if got := r.String("mail kim@example.com"); got != "mail [email]" {
		t.Errorf("nil Redactor: got %q", got)
	}
}

func TestKeepEmails(t *testing.T) {
	r := New(Options{KeepEmails: true})
	in := "sending welcome mail to skku202452634@g.skku.edu with password=hunter2"
	want := "sending welcome mail to skku202452634@g.skku.edu with password=[redacted]"
	if got := r.String(in); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// TestIncidentWorld runs every log line of the built-in incident through
// the redactor: no e-mail address is left, and the lines without one come
// back unchanged.
func TestIncidentWorld(t *testing.T) {
	w, err := world.Builtin("incident")
	if err != nil {
		t.Fatal(err)
	}
	n, masked := 0, 0
	for _, l := range w.Logs {
		for _, e := range l.Events {
			n++
			got := Default.String(e.Message)
			if strings.Contains(got, "@") {
				t.Errorf("an e-mail address is left in %q", got)
			}
			if got != e.Message {
				masked++
				if !strings.Contains(e.Message, "@") {
					t.Errorf("a line without a secret was changed:\n %q\n→%q", e.Message, got)
				}
			}
		}
	}
	if n == 0 || masked == 0 {
		t.Fatalf("%d lines, %d masked: the incident should have lines with e-mail addresses", n, masked)
	}
}

func BenchmarkString(b *testing.B) {
	w, err := world.Builtin("incident")
	if err != nil {
		b.Fatal(err)
	}
	var lines []string
	for _, l := range w.Logs {
		for _, e := range l.Events {
			lines = append(lines, e.Message)
		}
	}
	for _, c := range cases {
		lines = append(lines, c.in)
	}
	incident := lines[:len(lines)-len(cases)]
	b.Run("incident", func(b *testing.B) {
		i := 0
		for b.Loop() {
			Default.String(incident[i%len(incident)])
			i++
		}
	})
	b.Run("incident+cases", func(b *testing.B) {
		i := 0
		for b.Loop() {
			Default.String(lines[i%len(lines)])
			i++
		}
	})
	b.Run("plain", func(b *testing.B) {
		const line = "INFO  [c84a09] <-- POST /user/sign-up 201 4210ms"
		for b.Loop() {
			Default.String(line)
		}
	})
	b.Run("secrets", func(b *testing.B) {
		const line = "level=info user=kim password=hunter2 url=postgresql://app:pw@db:5432/x mail=kim@example.com key=AKIAIOSFODNN7EXAMPLE"
		for b.Loop() {
			Default.String(line)
		}
	})
}

func TestStrings(t *testing.T) {
	type line struct {
		Message string
		At      int
	}
	type answer struct {
		Cause    string
		Lines    []line
		Reason   *string
		Notes    [2]string
		hidden   string
		Counts   map[string]string
		Anything any
	}
	reason := "auth failed for postgresql://app:hunter2@db:5432/x"
	a := answer{
		Cause:    "elb-health-check",
		Lines:    []line{{Message: "mail to kim@example.com", At: 1}},
		Reason:   &reason,
		Notes:    [2]string{"token=abc123", ""},
		hidden:   "kim@example.com",
		Counts:   map[string]string{"k": "kim@example.com"},
		Anything: &line{Message: "password=hunter2"},
	}
	Default.Strings(&a)
	want := answer{
		Cause:    "elb-health-check",
		Lines:    []line{{Message: "mail to [email]", At: 1}},
		Notes:    [2]string{"token=[redacted]", ""},
		hidden:   "kim@example.com",
		Counts:   map[string]string{"k": "kim@example.com"},
		Anything: &line{Message: "password=[redacted]"},
	}
	if *a.Reason != "auth failed for postgresql://app:[redacted]@db:5432/x" {
		t.Errorf("through a pointer: %q", *a.Reason)
	}
	a.Reason = nil
	if !reflect.DeepEqual(a, want) {
		t.Errorf("got  %+v\nwant %+v", a, want)
	}
	Default.Strings(nil)      // no panic
	Default.Strings(answer{}) // not a pointer: nothing to set, no panic
}

func TestEmails(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"to kim@example.com.", "to [email]."},
		{"a@b@c.com", "a@[email]"},
		{"x@host.co.k8s", "[email].k8s"},
		{"no domain kim@localhost", "no domain kim@localhost"},
		{"two: a.b+c@mail.skku.edu, d_e@x.io;", "two: [email], [email];"},
		{"@handle and kim@ and @x.com", "@handle and kim@ and @x.com"},
		{"image@sha256:abc python@3.11", "image@sha256:abc python@3.11"},
		{"double dot kim@a..com", "double dot kim@a..com"},
		{"<kim.lee@g.skku.edu>", "<[email]>"},
	} {
		if got := maskEmails(c.in); got != c.want {
			t.Errorf("maskEmails(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
