package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	// The summary's time zone is loaded by name; minimal images (scratch,
	// distroless/static) have no /usr/share/zoneinfo.
	_ "time/tzdata"

	"gopkg.in/yaml.v3"

	"github.com/ecsmedic/ecsmedic/internal/lazyre"
	"github.com/ecsmedic/ecsmedic/internal/spell"
	"github.com/ecsmedic/ecsmedic/internal/yamlpos"
)

// maxFileSize bounds what Load reads: a config is a few kilobytes.
const maxFileSize = 1 << 20

// Path is the file Load(path) reads: path itself, else $ECSMEDIC_CONFIG,
// else ./ecsmedic.yaml.
func Path(path string) string {
	if path != "" {
		return path
	}
	if env := os.Getenv(EnvConfig); env != "" {
		return env
	}
	return DefaultFile
}

// Load reads and validates a config file (see Path for which one). The
// error lists every problem found, as Errors, when the file was read.
func Load(path string) (*Config, error) {
	path = Path(path)
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("there is no config file %s: copy config/ecsmedic.example.yaml to %s and edit it, "+
				"or give the file with --config FILE or %s=FILE: %w", path, path, EnvConfig, err)
		}
		return nil, fmt.Errorf("reading the config file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the config file %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s is over %d KiB; a config file is a few KiB: is it the right file?", path, maxFileSize>>10)
	}
	return Parse(path, data)
}

// Parse validates the config in data; name is the file name used in errors.
func Parse(name string, data []byte) (*Config, error) {
	return parse(name, data, os.Getenv)
}

// parse is Parse with the environment given, and never panics.
func parse(name string, data []byte, getenv func(string) string) (cfg *Config, err error) {
	if name == "" {
		name = DefaultFile
	}
	defer func() {
		if r := recover(); r != nil {
			cfg, err = nil, Errors{{File: name, Message: fmt.Sprintf("the YAML reader failed on this file (%v)", r),
				Fix: "check that the file is valid YAML; if it is, please report this to the ecsmedic maintainers"}}
		}
	}()
	return parseDoc(name, data, getenv)
}

// parseDoc does parse's work; the fuzz test calls it to see any panic.
func parseDoc(name string, data []byte, getenv func(string) string) (*Config, error) {

	root, problem := readNode(name, data)
	if problem != nil {
		return nil, Errors{*problem}
	}
	if problem := complexKey(name, root); problem != nil {
		return nil, Errors{*problem}
	}
	ix := newIndex(root)

	var raw rawConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var errs []Error
	var broken []string // what the decoder left unread; "" for the whole file
	if err := dec.Decode(&raw); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, Errors{yamlpos.Syntax(name, data, err)}
		}
		for _, msg := range te.Errors {
			e, unread, isBroken := ix.translate(name, msg)
			errs = append(errs, e)
			if isBroken {
				broken = append(broken, unread)
			}
		}
	}

	b := &builder{file: name, getenv: getenv, ix: ix, root: root, lines: strings.Split(string(data), "\n")}
	cfg := b.build(&raw)
	errs = append(errs, withoutEchoes(b.errs, broken)...)
	if len(errs) > 0 {
		yamlpos.Sort(errs)
		return nil, Errors(dedupe(errs))
	}
	yamlpos.Sort(b.warns)
	cfg.warnings = make([]Warning, len(b.warns))
	for i, w := range b.warns {
		cfg.warnings[i] = Warning(w)
	}
	return cfg, nil
}

// withoutEchoes drops the builder's problems that follow from one the
// decoder reported: a duplicate key leaves its whole mapping unread, and a
// section that is not a mapping has all its settings "missing".
func withoutEchoes(built []Error, broken []string) []Error {
	if len(broken) == 0 {
		return built
	}
	var out []Error
next:
	for _, e := range built {
		for _, p := range broken {
			if p == "" || e.Path == p || strings.HasPrefix(e.Path, p+".") || strings.HasPrefix(e.Path, p+"[") {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}

// dedupe drops a problem reported twice on the same line and key.
func dedupe(es []Error) []Error {
	seen := map[[2]string]bool{}
	out := es[:0]
	for _, e := range es {
		k := [2]string{strconv.Itoa(e.Line) + " " + e.Path, e.Message}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	return out
}

// readNode parses data into its one document's top mapping.
func readNode(name string, data []byte) (*yaml.Node, *Error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, emptyFile(name)
		}
		e := yamlpos.Syntax(name, data, err)
		return nil, &e
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			line = 0
		}
		return nil, &Error{File: name, Line: line, Message: "the file holds more than one YAML document (a second --- line)",
			Fix: "keep one document: delete the second --- and everything meant for another file"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, emptyFile(name)
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return nil, emptyFile(name)
	}
	if top.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: top.Line, Column: top.Column,
			Message: fmt.Sprintf("the file should be a mapping of settings, but it is %s", kindName(top)),
			Fix:     "start from config/ecsmedic.example.yaml: the top-level keys are " + strings.Join(knownKeys(reflect.TypeFor[rawConfig]()), ", ")}
	}
	return top, nil
}

// complexKey finds a mapping key that is not a plain value, such as
// "? [a, b]" or "{x}: 1". No setting has one, and yaml.v3 panics on some
// (a merge into a mapping with such a key), so they stop the reading here.
func complexKey(name string, top *yaml.Node) *Error {
	stack := []*yaml.Node{top}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k := n.Content[i]; k.Kind != yaml.ScalarNode {
					return &Error{File: name, Line: k.Line, Column: k.Column,
						Message: fmt.Sprintf("a key is %s; keys are plain names", kindName(k)),
						Fix:     "write the key as a plain name followed by a colon, such as cluster: codedang"}
				}
			}
		}
		if n.Kind != yaml.AliasNode {
			stack = append(stack, n.Content...)
		}
	}
	return nil
}

func emptyFile(name string) *Error {
	return &Error{File: name, Message: "the file is empty",
		Fix: "start from config/ecsmedic.example.yaml; at least discord.guildId, aws.cluster and one service are needed"}
}

// index finds the key path of a line, for the decoder's messages, and the
// line of a key path, for problems with a missing setting.
type index struct {
	keys   map[string]*yaml.Node // key path → the key
	values map[string]*yaml.Node // key path → the value
	byKey  map[lineKey]string    // a key on a line → its path
	byLine map[int][]located     // the values that start on a line
}

type located struct {
	path string
	node *yaml.Node
}

type lineKey struct {
	line int
	key  string
}

func newIndex(top *yaml.Node) *index {
	ix := &index{keys: map[string]*yaml.Node{}, values: map[string]*yaml.Node{}, byKey: map[lineKey]string{}, byLine: map[int][]located{}}
	ix.walk(top, "", 0)
	return ix
}

func (ix *index) walk(n *yaml.Node, path string, depth int) {
	if n == nil || depth > 100 {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag == "!!merge" {
				if v.Kind == yaml.MappingNode {
					ix.walk(v, path, depth+1)
				}
				continue
			}
			p := joinPath(path, k.Value)
			if _, dup := ix.keys[p]; !dup {
				ix.keys[p] = k
				ix.values[p] = v
			}
			if _, ok := ix.byKey[lineKey{k.Line, k.Value}]; !ok {
				ix.byKey[lineKey{k.Line, k.Value}] = p
			}
			ix.byLine[v.Line] = append(ix.byLine[v.Line], located{p, v})
			ix.walk(v, p, depth+1)
		}
	case yaml.SequenceNode:
		for i, v := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			ix.byLine[v.Line] = append(ix.byLine[v.Line], located{p, v})
			ix.walk(v, p, depth+1)
		}
	}
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// position is where a problem with path goes: the key itself, else the
// nearest key above it that is in the file (a missing setting goes there).
func (ix *index) position(path string) (line, col int) {
	for p := path; p != ""; p = parentPath(p) {
		if k := ix.keys[p]; k != nil {
			return k.Line, k.Column
		}
	}
	return 0, 0
}

func parentPath(p string) string {
	if i := strings.LastIndexAny(p, ".["); i >= 0 {
		return p[:i]
	}
	return ""
}

var (
	notFoundRE  = lazyre.New(`^line (\d+): field (.*) not found in type (\S+)$`)
	duplicateRE = lazyre.New(`^line (\d+): mapping key (".*") already defined at line (\d+)$`)
	unmarshalRE = lazyre.New(`^line (\d+): cannot unmarshal (\S+)(?: .*)? into (\S+)$`)
	anyLineRE   = lazyre.New(`^line (\d+): (.*)$`)
)

// translate words one of the decoder's messages for a person, and says
// which part of the file the decoder left unread because of it, if any.
func (ix *index) translate(file, msg string) (e Error, unread string, broken bool) {
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	if m := notFoundRE().FindStringSubmatch(msg); m != nil {
		line, key := atoi(m[1]), m[2]
		path := ix.byKey[lineKey{line, key}]
		if path == "" {
			path = key
		}
		e := Error{File: file, Line: line, Path: path}
		if k := ix.keys[path]; k != nil {
			e.Column = k.Column
		}
		unknownKey(&e, key, knownKeysByName()[m[3]])
		return e, "", false
	}
	if m := duplicateRE().FindStringSubmatch(msg); m != nil {
		key, err := strconv.Unquote(m[2])
		if err != nil {
			key = m[2]
		}
		line := atoi(m[1])
		path := parentPath(ix.byKey[lineKey{atoi(m[3]), key}])
		return Error{File: file, Line: line, Path: joinPath(path, key),
			Message: fmt.Sprintf("%q is set twice; it was first set on line %s", key, m[3]),
			Fix:     "keep one of the two and delete the other"}, path, true
	}
	if m := unmarshalRE().FindStringSubmatch(msg); m != nil {
		line := atoi(m[1])
		path, col := ix.valueAt(line, m[2])
		e := Error{File: file, Line: line, Column: col, Path: path}
		want, fix := expectation(m[3])
		e.Message = fmt.Sprintf("should be %s, not %s", want, tagName(m[2]))
		e.Fix = fix
		return e, path, true
	}
	e = Error{File: file, Message: msg, Fix: "compare this part with config/ecsmedic.example.yaml"}
	if m := anyLineRE().FindStringSubmatch(msg); m != nil {
		e.Line, e.Message = atoi(m[1]), m[2]
		e.Path, e.Column = ix.valueAt(e.Line, "")
	}
	return e, "", false
}

// valueAt is the path and column of the value on line with the tag, the
// innermost when there are several; "" and 0 when there is none.
func (ix *index) valueAt(line int, tag string) (string, int) {
	cands := ix.byLine[line]
	for i := len(cands) - 1; i >= 0; i-- {
		if cands[i].node.ShortTag() == tag {
			return cands[i].path, cands[i].node.Column
		}
	}
	if len(cands) > 0 {
		return cands[0].path, cands[0].node.Column
	}
	return "", 0
}

// unknownKey words e for a key that is not a setting.
func unknownKey(e *Error, key string, known []string) {
	where := parentPath(e.Path)
	if where == "" {
		where = "the top level"
	}
	e.Message = fmt.Sprintf("%q is not a setting of %s", key, where)
	switch secret := secretKey(key); {
	case secret != "":
		e.Message = fmt.Sprintf("%q looks like a secret, and secrets never go in the config file", key)
		e.Fix = secret
	case closest(key, known) != "":
		e.Fix = fmt.Sprintf("did you mean %q? Rename the key", closest(key, known))
	default:
		e.Fix = "remove it, or move it to where it belongs; the settings here are " + strings.Join(known, ", ")
	}
}

// expectation describes a Go type of the raw config for a person.
func expectation(typ string) (want, fix string) {
	if keys, ok := knownKeysByName()[typ]; ok {
		return "a mapping of settings", "indent the settings under this key: " + strings.Join(keys, ", ")
	}
	if strings.HasPrefix(typ, "map[") {
		return "a mapping from alias to service",
			"write each service as an indented \"alias:\" line with its settings under it, as in config/ecsmedic.example.yaml"
	}
	return "a " + typ, "compare this part with config/ecsmedic.example.yaml"
}

func tagName(tag string) string {
	switch tag {
	case "!!str":
		return "text"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "true/false"
	case "!!seq":
		return "a list"
	case "!!map":
		return "a mapping"
	case "!!null":
		return "empty"
	}
	return "a " + tag + " value"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return tagName(n.Tag)
	case yaml.AliasNode:
		return "a reference to an anchor (*name)"
	}
	return "something else"
}

// secretKey says where a secret goes instead, when key names one.
func secretKey(key string) string {
	switch normalKey(key) {
	case "token", "bottoken", "discordtoken", "discordbottoken", "clientsecret":
		return "put the token in an environment variable and name it with discord.tokenEnv (default DISCORD_TOKEN); " +
			"if a real token was in this file, reset it in the Discord Developer Portal (Bot → Reset Token)"
	case "accesskey", "accesskeyid", "awsaccesskeyid", "secretkey", "secretaccesskey", "awssecretaccesskey",
		"sessiontoken", "awssessiontoken", "password", "secret":
		return "AWS credentials come from the environment, a profile (aws.profile) or the ECS task role; " +
			"if real keys were in this file, deactivate them in IAM"
	}
	return ""
}

func normalKey(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(s))
}

// closest is the known key a misspelt key most likely meant, or "".
func closest(key string, known []string) string {
	nk := normalKey(key)
	if len(nk) > 64 {
		return "" // no setting is this long; and it keeps the comparison cheap
	}
	for _, k := range known {
		if normalKey(k) == nk {
			return k
		}
	}
	best, bestDist := "", 0
	for _, k := range known {
		d := spell.Distance(nk, strings.ToLower(k))
		if best == "" || d < bestDist {
			best, bestDist = k, d
		}
	}
	allowed := 1
	switch n := len(best); {
	case n > 8:
		allowed = 3
	case n > 4:
		allowed = 2
	}
	if best != "" && bestDist <= allowed {
		return best
	}
	return ""
}

// knownKeysByName maps each raw struct type's name, as the decoder's
// messages spell it, to its keys.
var knownKeysByName = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Map, reflect.Slice, reflect.Pointer:
			visit(t.Elem())
		case reflect.Struct:
			if t == reflect.TypeFor[value]() {
				return
			}
			if _, done := out[t.String()]; done {
				return
			}
			out[t.String()] = knownKeys(t)
			for i := range t.NumField() {
				visit(t.Field(i).Type)
			}
		}
	}
	visit(reflect.TypeFor[rawConfig]())
	return out
})

func knownKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" {
			keys = append(keys, tag)
		}
	}
	return keys
}

// value holds one setting's YAML node as written; the builder reads it, so
// that every problem is reported with its key path and line.
type value struct{ n *yaml.Node }

func (v *value) UnmarshalYAML(n *yaml.Node) error {
	v.n = n
	return nil
}

type rawConfig struct {
	Discord   rawDiscord            `yaml:"discord"`
	AWS       rawAWS                `yaml:"aws"`
	Services  map[string]rawService `yaml:"services"`
	Guards    rawGuards             `yaml:"guards"`
	Schedules rawSchedules          `yaml:"schedules"`
	Storage   rawStorage            `yaml:"storage"`
	HTTP      rawHTTP               `yaml:"http"`
	Logging   rawLogging            `yaml:"logging"`
	Redact    rawRedact             `yaml:"redact"`
	Targets   map[string]rawTarget  `yaml:"targets"` // config/targets.go
	// Extra holds the other top-level keys: x-NAME keys hold YAML anchors
	// for reuse, as in Compose files; any other key is an error.
	Extra map[string]value `yaml:",inline"`
}

type rawDiscord struct {
	TokenEnv      value       `yaml:"tokenEnv"`
	ApplicationID value       `yaml:"applicationId"`
	GuildID       value       `yaml:"guildId"`
	Channels      rawChannels `yaml:"channels"`
	Roles         rawRoles    `yaml:"roles"`
	Prefix        value       `yaml:"prefix"`
	Locale        value       `yaml:"locale"`
	APIBaseURL    value       `yaml:"apiBaseUrl"`
}

type rawChannels struct {
	Commands value `yaml:"commands"`
	Alerts   value `yaml:"alerts"`
	Audit    value `yaml:"audit"`
}

type rawRoles struct {
	Operators value `yaml:"operators"`
	Approvers value `yaml:"approvers"`
}

type rawAWS struct {
	Region     value `yaml:"region"`
	Profile    value `yaml:"profile"`
	RoleARN    value `yaml:"roleArn"`
	ExternalID value `yaml:"externalId"`
	Cluster    value `yaml:"cluster"`
	Endpoint   value `yaml:"endpoint"`
	// AllowInsecureEndpoint says yes to a plain-http endpoint on another
	// machine.
	AllowInsecureEndpoint value `yaml:"allowInsecureEndpoint"`
	CallTimeout           value `yaml:"callTimeout"`
	MaxAttempts           value `yaml:"maxAttempts"`
}

type rawService struct {
	Service          value `yaml:"service"`
	Container        value `yaml:"container"`
	Cluster          value `yaml:"cluster"`
	RequireApprovers value `yaml:"requireApprovers"`
	Target           value `yaml:"target"` // config/targets.go
}

type rawGuards struct {
	Limits      rawLimits      `yaml:"limits"`
	Healthcheck rawHealthcheck `yaml:"healthcheck"`
	Approval    rawApproval    `yaml:"approval"`
}

type rawLimits struct {
	CPU    rawRange `yaml:"cpu"`
	Memory rawRange `yaml:"memory"`
	Count  rawCount `yaml:"count"`
}

type rawRange struct {
	Min  value `yaml:"min"`
	Max  value `yaml:"max"`
	Step value `yaml:"step"`
}

type rawCount struct {
	Min value `yaml:"min"`
	Max value `yaml:"max"`
}

type rawHealthcheck struct {
	GraceMax value `yaml:"graceMax"`
}

type rawApproval struct {
	SelfApprove      value `yaml:"selfApprove"`
	Expiry           value `yaml:"expiry"`
	RequireApprovers value `yaml:"requireApprovers"`
}

type rawSchedules struct {
	Summary rawSummary `yaml:"summary"`
	Watch   rawWatch   `yaml:"watch"`
}

type rawSummary struct {
	Cron     value `yaml:"cron"`
	Timezone value `yaml:"timezone"`
}

type rawWatch struct {
	Interval            value   `yaml:"interval"`
	SQSQueueURL         value   `yaml:"sqsQueueUrl"`
	AnnounceDeployments value   `yaml:"announceDeployments"`
	AnnounceScaleIn     value   `yaml:"announceScaleIn"`
	Warn                rawWarn `yaml:"warn"`
}

type rawWarn struct {
	Enabled        value `yaml:"enabled"`
	CPUPercent     value `yaml:"cpuPercent"`
	MemoryPercent  value `yaml:"memoryPercent"`
	ClusterPercent value `yaml:"clusterPercent"`
	For            value `yaml:"for"`
	Every          value `yaml:"every"`
	Interval       value `yaml:"interval"`
	QuietHours     value `yaml:"quietHours"`
}

type rawStorage struct {
	Path      value `yaml:"path"`
	Retention value `yaml:"retention"`
	Engine    value `yaml:"engine"`
	Table     value `yaml:"table"`
	Region    value `yaml:"region"`
	Endpoint  value `yaml:"endpoint"`
}

type rawHTTP struct {
	Addr value `yaml:"addr"`
}

type rawLogging struct {
	Format value `yaml:"format"`
	Level  value `yaml:"level"`
}

type rawRedact struct {
	Emails value `yaml:"emails"`
}

// serviceOrder is the order of the aliases under services in the file.
func serviceOrder(root *yaml.Node, raw map[string]rawService) []string {
	var order []string
	seen := map[string]bool{}
	if root != nil {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value != "services" {
				continue
			}
			m := root.Content[i+1]
			if m.Kind == yaml.AliasNode && m.Alias != nil {
				m = m.Alias
			}
			if m.Kind != yaml.MappingNode {
				break
			}
			for j := 0; j+1 < len(m.Content); j += 2 {
				k := m.Content[j].Value
				if _, ok := raw[k]; ok && !seen[k] {
					seen[k] = true
					order = append(order, k)
				}
			}
			break
		}
	}
	var rest []string
	for k := range raw {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(order, rest...)
}
