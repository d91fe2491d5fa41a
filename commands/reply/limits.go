package reply

// Discord's limits on an embed, the strictest platform a reply goes to.
// Commands keep their replies within them, so a renderer need not cut;
// the Discord renderer still enforces them.
const (
	MaxTitle       = 256
	MaxDescription = 4096
	MaxFields      = 25
	MaxFieldName   = 256
	MaxFieldValue  = 1024
	MaxFooter      = 2048
	MaxTotal       = 6000 // all the text of one message, across its embeds
)
