package watch

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ecsmedic/ecsmedic/aws"
	"github.com/ecsmedic/ecsmedic/commands/diagnose"
	"github.com/ecsmedic/ecsmedic/commands/reply"
	"github.com/ecsmedic/ecsmedic/store"
	"github.com/ecsmedic/ecsmedic/svcref"
)

// Defaults for Config's zero values.
const (
	DefaultInterval  = 30 * time.Second
	DefaultRetention = 720 * time.Hour
	// DefaultMaxAge: stops older than this when first seen (a long outage
	// of the bot, an old queue backlog) are recorded but not announced.
	DefaultMaxAge = 3 * time.Hour
	pruneEvery    = 24 * time.Hour
)

// Config is what the watcher watches and how it speaks.
type Config struct {
	Cluster  string        // for services whose ServiceRef has no cluster
	Services []svcref.Ref  // the configured services; stops of others are ignored
	Interval time.Duration // between polls; DefaultInterval when zero

	AnnounceDeployments bool // announce deployment and user-stopped stops too
	AnnounceScaleIn     bool // announce scale-in stops too

	Locale   string         // "en" or "ko"
	Location *time.Location // the team's time zone; nil = the data's
	Prefix   string         // of the suggested commands; "!" when empty
	Limits   diagnose.Limits

	Retention time.Duration // stop records older than this are pruned daily; DefaultRetention when zero
	MaxAge    time.Duration // DefaultMaxAge when zero
	Instance  string        // this process's id, in every alert's footer; NewInstanceID() when empty

	Warn Warn // the early warning; off when Warn.On is false
}

// Store is what the watcher keeps in the store; *store.Store is one.
type Store interface {
	RecordStop(r store.StopRecord) (isNew bool, err error)
	ClaimAnnouncement(taskArn string) (first bool, err error)
	SetStopAlert(taskArn, messageID, group string) error
	Stops(cluster, service string, since time.Time) ([]store.StopRecord, error)
	Prune(before time.Time) (int, error)
	Get(key string) (string, error)
	Set(key, value string) error
	Claim(key, value string) (bool, error)
}

// Notifier posts alerts; the bot implements it. Alert returns the id of the
// posted message, which UpdateAlert later edits (a crash loop's count).
type Notifier interface {
	Alert(ctx context.Context, a Alert) (messageID string, err error)
	UpdateAlert(ctx context.Context, messageID string, a Alert) error
}

// Alert is one stop, or one crash loop, to post in the alerts channel.
type Alert struct {
	Service string // the alias people use
	Cluster string
	Message reply.Message // drawn like the why reply, title prefixed "🚨"
	Group   string        // the crash-loop group; "" for a single stop
	Count   int           // stops in the group (1 for a single stop)

	TaskArn   string // the newest stop
	Cause     string
	StoppedAt time.Time
}

// Watcher notices stopped tasks and announces the unexpected ones.
type Watcher struct {
	cfg   Config
	aws   *aws.Clients
	st    Store
	n     Notifier
	now   func() time.Time
	refs  map[string]svcref.Ref // by cluster/service
	locks sync.Map              // cluster/service → *sync.Mutex

	mu        sync.Mutex
	owed      map[string]bool // claimed here, but the notifier failed: retry
	lastPrune time.Time
	lastWarn  time.Time // of the early warning's last read
	lastBeat  time.Time // of the loop's heartbeat; only Loop's goroutine uses it
}

// New builds a watcher. The clients are used for ECS and the diagnosis;
// their Now (if set) is the watcher's clock.
func New(cfg Config, c *aws.Clients, st Store, n Notifier) *Watcher {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "!"
	}
	if cfg.Instance == "" {
		cfg.Instance = NewInstanceID()
	}
	cfg.Warn.defaults()
	w := &Watcher{cfg: cfg, aws: c, st: st, n: n, now: time.Now, refs: map[string]svcref.Ref{}, owed: map[string]bool{}}
	if c != nil && c.Now != nil {
		w.now = c.Now
	}
	for _, r := range cfg.Services {
		if r.Cluster == "" {
			r.Cluster = cfg.Cluster
		}
		w.refs[key(r.Cluster, r.Service)] = r
	}
	return w
}

// Instance is this watcher's instance id.
func (w *Watcher) Instance() string { return w.cfg.Instance }

func key(cluster, service string) string { return cluster + "/" + service }

// lock serialises the handling of one service's stops, whichever source
// brings them.
func (w *Watcher) lock(cluster, service string) func() {
	m, _ := w.locks.LoadOrStore(key(cluster, service), &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// Run polls every Config.Interval until ctx ends, pruning the store once
// a day. It returns nil when ctx is cancelled.
func (w *Watcher) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	return w.Loop(ctx, t.C)
}

// Loop is Run on a given ticker: one round now and one per tick, so that
// tests drive it with their own channel.
func (w *Watcher) Loop(ctx context.Context, ticks <-chan time.Time) error {
	for {
		w.round(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
		}
	}
}

func (w *Watcher) round(ctx context.Context) {
	if err := w.Poll(ctx); err != nil && ctx.Err() == nil {
		slog.Warn("watch: poll failed; trying again next round", "err", err)
	}
	if err := w.WarnRound(ctx); err != nil && ctx.Err() == nil {
		slog.Warn("watch: the early warning's round failed; trying again next round", "err", err)
	}
	if err := w.PruneIfDue(); err != nil {
		slog.Warn("watch: pruning the stop history failed", "err", err)
	}
	now := w.now()
	other, err := Heartbeat(w.st, w.cfg.Instance, now, w.lastBeat)
	w.lastBeat = now
	if err != nil {
		slog.Warn("watch: heartbeat failed", "err", err)
	} else if other != "" {
		slog.Warn("watch: another ecsmedic instance used this store moments ago; run only one", "other", other, "me", w.cfg.Instance)
	}
}

// PruneIfDue removes stop records older than the retention, at most once
// a day.
func (w *Watcher) PruneIfDue() error {
	now := w.now()
	w.mu.Lock()
	due := w.lastPrune.IsZero() || now.Sub(w.lastPrune) >= pruneEvery
	if due {
		w.lastPrune = now
	}
	w.mu.Unlock()
	if !due {
		return nil
	}
	n, err := w.st.Prune(now.Add(-w.cfg.Retention))
	if err != nil {
		return fmt.Errorf("pruning records older than %s: %w", w.cfg.Retention, err)
	}
	if n > 0 {
		slog.Info("watch: pruned old records", "removed", n, "retention", w.cfg.Retention)
	}
	return nil
}
