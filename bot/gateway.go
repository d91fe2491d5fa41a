package bot

import (
	"sync"

	"github.com/bwmarrin/discordgo"
)

// gateway is what the bot knows of its gateway connection, for /healthz
// and the gauge. It lives in the Bot, not in the connection, so it
// survives discordgo's reconnects and resumes.
type gateway struct {
	mu        sync.Mutex
	conn      bool
	ready     bool
	reason    string
	appID     string
	userID    string        // the bot's own user
	readyCh   chan struct{} // closed at the first READY
	readyOnce sync.Once
	onChange  func(up bool)
}

func (g *gateway) init() {
	g.readyCh = make(chan struct{})
	g.reason = "not connected to Discord yet"
}

func (g *gateway) set(conn, ready bool, reason string) {
	g.mu.Lock()
	g.conn, g.ready, g.reason = conn, ready, reason
	f := g.onChange
	g.mu.Unlock()
	if f != nil {
		f(conn && ready)
	}
}

func (g *gateway) connected() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.conn
}

// health says whether the bot can answer, and if not, why.
func (g *gateway) health() (ok bool, reason string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conn && g.ready {
		return true, "ok"
	}
	return false, g.reason
}

func (g *gateway) botUserID() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.userID
}

func (g *gateway) applicationID() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.appID
}

// onConnect comes after READY or RESUMED in discordgo, which set ready.
func (b *Bot) onConnect(_ *discordgo.Session, _ *discordgo.Connect) {
	b.gw.mu.Lock()
	ready := b.gw.ready
	b.gw.mu.Unlock()
	reason := "ok"
	if !ready {
		reason = "connected to the gateway, waiting for READY"
	}
	b.gw.set(true, ready, reason)
}

func (b *Bot) onDisconnect(_ *discordgo.Session, _ *discordgo.Disconnect) {
	b.log.Warn("disconnected from the Discord gateway; reconnecting")
	b.gw.set(false, false, "disconnected from the Discord gateway; reconnecting")
}

func (b *Bot) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	b.gw.mu.Lock()
	if r.Application != nil {
		b.gw.appID = r.Application.ID
	}
	if r.User != nil {
		b.gw.userID = r.User.ID
	}
	b.gw.mu.Unlock()
	b.gw.set(true, true, "ok")
	b.log.Info("Discord says READY", "guilds", len(r.Guilds))
	b.gw.readyOnce.Do(func() { close(b.gw.readyCh) })
}

func (b *Bot) onResumed(_ *discordgo.Session, _ *discordgo.Resumed) {
	b.log.Info("Discord session resumed")
	b.gw.set(true, true, "ok")
}
