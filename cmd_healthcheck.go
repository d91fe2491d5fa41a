package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsmedic/ecsmedic/config"
)

// healthTimeout bounds one probe of /healthz; tests shorten it.
var healthTimeout = 3 * time.Second

// newHealthCmd probes a running bot's /healthz, for the container's health
// check (the image has no curl). It is `health`, not `healthcheck`: that
// name is the guarded change of a service's health check.
func newHealthCmd(g *globals) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check that the bot running here is healthy (its /healthz answers 200); for container health checks",
		Long: `Asks GET http://ADDR/healthz of the bot running on this host and exits 0 when
it answers 200, 1 otherwise with the reason. ADDR is --addr, else the config's
http.addr (with --config or $ECSMEDIC_CONFIG), else 127.0.0.1:9090. A listener
on 0.0.0.0 is asked on 127.0.0.1.`,
		Example: "  ecsmedic health\n  ecsmedic health --addr 127.0.0.1:9090",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if addr == "" {
				a, err := healthAddr(g.configPath)
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), "unhealthy:", err)
					return exitCode(1)
				}
				addr = a
			}
			body, err := probeHealth(cmd.Context(), addr)
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "unhealthy:", err)
				return exitCode(1)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "healthy:", body)
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "the bot's http.addr (default from the config, else "+config.DefaultHTTPAddr+")")
	return cmd
}

// healthAddr is the config's http.addr when a config is named, else the
// default.
func healthAddr(path string) (string, error) {
	if path == "" && os.Getenv(config.EnvConfig) == "" {
		return config.DefaultHTTPAddr, nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		return "", err
	}
	return cfg.HTTP.Addr, nil
}

// probeHealth asks http://addr/healthz once and returns its first line.
func probeHealth(ctx context.Context, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("bad address %q: %v", addr, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	// No proxy, no keep-alive: one loopback request.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "", fmt.Errorf("%s did not answer within %s", url, healthTimeout)
		}
		return "", fmt.Errorf("%s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	text := strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s answered %s: %s", url, resp.Status, text)
	}
	return text, nil
}
