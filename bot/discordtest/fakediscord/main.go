// Command fakediscord runs the fake Discord as its own process and, once a
// bot has connected, sends it N chat commands one after another, waiting
// for each answer. It exists to measure a real `ecsmedic run` process from
// outside (its resident memory before and after the commands) without the
// fake's own memory mixed in, which an in-process test cannot do.
//
//	go run ./bot/discordtest/fakediscord -n 1000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ecsmedic/ecsmedic/bot/discordtest"
)

func main() {
	n := flag.Int("n", 1000, "commands to send once the bot is ready")
	urlFile := flag.String("url-file", "", "write the fake's base URL to this file")
	flag.Parse()
	srv, err := discordtest.New(discordtest.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakediscord:", err)
		os.Exit(1)
	}
	defer srv.Close()
	fmt.Println("url", srv.URL())
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(srv.URL()), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "fakediscord:", err)
			os.Exit(1)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := srv.WaitReady(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "fakediscord: no bot connected:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	cmds := []string{"!why backend", "!status", "!logs backend", "!help"}
	replyPath := "/api/v9/channels/" + discordtest.DefaultChannelID + "/messages"
	start := time.Now()
	for i := 0; i < *n; i++ {
		before := countReplies(srv, replyPath)
		srv.SendMessage(discordtest.Message{ChannelID: discordtest.DefaultChannelID, GuildID: discordtest.DefaultGuildID,
			AuthorID: discordtest.DefaultUserID, AuthorName: discordtest.DefaultUserName, Content: cmds[i%len(cmds)]})
		if err := srv.WaitFor(ctx, func() bool { return countReplies(srv, replyPath) > before }); err != nil {
			fmt.Fprintln(os.Stderr, "fakediscord: no answer to command", i, err)
			os.Exit(1)
		}
	}
	fmt.Printf("done %d commands in %s\n", *n, time.Since(start).Round(time.Millisecond))
	<-ctx.Done()
}

func countReplies(srv *discordtest.Server, path string) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Method == "POST" && strings.HasPrefix(c.Path, path) && c.Status < 300 {
			n++
		}
	}
	return n
}
