package world

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// accounts reads `accounts:`, a list of worlds of other accounts or
// regions. Each is read as a world file of its own (version may be left
// out; now is the world's), so its errors name the lines where they are.
func (p *parser) accounts(v *yaml.Node) []*World {
	if v.Kind != yaml.SequenceNode {
		p.errorf(v, "accounts", "expected a list of accounts, each a mapping with accountId, region, clusters…, got a %s", kindName(v))
		return nil
	}
	var out []*World
	for i, item := range v.Content {
		item = resolve(item)
		path := fmt.Sprintf("accounts[%d]", i)
		if item.Kind != yaml.MappingNode {
			p.errorf(item, path, "expected a mapping with accountId, region, clusters…, got a %s", kindName(item))
			continue
		}
		doc := *item
		if !hasKey(item, "version") {
			doc.Content = append([]*yaml.Node{
				{Kind: yaml.ScalarNode, Value: "version"}, {Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(Version)},
			}, item.Content...)
		}
		sub := &parser{file: p.file}
		w := sub.world(&doc)
		for _, e := range sub.errs {
			e.Path = path + "." + e.Path
			p.errs = append(p.errs, e)
		}
		if hasKey(item, "accounts") {
			p.errorf(item, path+".accounts", "an account cannot hold more accounts: list every account at the top level")
		}
		out = append(out, w)
	}
	return out
}

// checkAccounts: every account names its account id and region, no two
// are the same place, and each shares the world's present.
func (p *parser) checkAccounts(root *yaml.Node, w *World) {
	if len(w.Accounts) == 0 {
		return
	}
	type place struct{ account, region string }
	seen := map[place]bool{{w.AccountID, w.Region}: true}
	if w.AccountID == "" || w.Region == "" {
		p.errorf(root, "accountId", "a world with accounts names its own accountId and region too, so that each request finds its account")
	}
	for i, a := range w.Accounts {
		a.Now = w.Now
		path := fmt.Sprintf("accounts[%d]", i)
		if a.AccountID == "" || a.Region == "" {
			p.errorf(root, path, "each account needs its accountId (12 digits) and region")
			continue
		}
		k := place{a.AccountID, a.Region}
		if seen[k] {
			p.errorf(root, path, "account %s in %s is listed twice: merge the two", a.AccountID, a.Region)
		}
		seen[k] = true
	}
}

// Combine makes one world of captures of several accounts, regions or
// clusters: the first world's account and region is the world's own; a
// capture of the same account and region joins its world's lists; any
// other becomes one of its Accounts.
func Combine(ws []*World) *World {
	if len(ws) == 0 {
		return nil
	}
	top := ws[0]
	for _, w := range ws[1:] {
		if into := top.place(w.AccountID, w.Region); into != nil {
			into.join(w)
			continue
		}
		top.Accounts = append(top.Accounts, w)
	}
	return top
}

// place is the world of an account and region, among w and its accounts.
func (w *World) place(account, region string) *World {
	if w.AccountID == account && w.Region == region {
		return w
	}
	for _, a := range w.Accounts {
		if a.AccountID == account && a.Region == region {
			return a
		}
	}
	return nil
}

// join adds o's objects, series and logs to w (a capture of another
// cluster of the same account and region).
func (w *World) join(o *World) {
	for _, k := range objectKindOrder {
		into := objectKinds[k].field(w)
		*into = append(*into, *objectKinds[k].field(o)...)
	}
	w.Metrics = append(w.Metrics, o.Metrics...)
	w.Logs = append(w.Logs, o.Logs...)
	if o.Now.After(w.Now) {
		w.Now = o.Now
	}
}
