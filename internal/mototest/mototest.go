// Package mototest runs moto's server (moto_server, a widely used AWS
// emulator nobody here wrote) for a test binary: started on first use on a
// free loopback port, known to be ready when it says so (never by
// sleeping), and stopped from TestMain. Without moto_server the tests skip:
// moto is a Python package that the registries CI can reach do not carry.
package mototest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var moto struct {
	once sync.Once
	url  string
	err  error
	skip string
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// IsolateEnv keeps the developer's real AWS configuration away from the
// tests; call it first in TestMain.
func IsolateEnv() {
	_ = os.Setenv("AWS_CONFIG_FILE", "/nonexistent/ecsmedic-tests/config")
	_ = os.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ecsmedic-tests/credentials")
	_ = os.Unsetenv("AWS_PROFILE")
	_ = os.Unsetenv("AWS_ENDPOINT_URL")
}

// URL returns the base URL of a running moto_server, starting it on first
// use, and skips the test when moto is not installed.
func URL(t testing.TB) string {
	t.Helper()
	moto.once.Do(start)
	if moto.skip != "" {
		t.Skip(moto.skip)
	}
	if moto.err != nil {
		t.Fatalf("moto_server: %v", moto.err)
	}
	return moto.url
}

// Stop ends the server, if one was started; call it from TestMain.
func Stop() {
	if moto.cmd == nil {
		return
	}
	killGroup(moto.cmd)
	<-moto.done
}

// Reset forgets every resource moto holds, so a test starts from an empty
// account. Tests that reset must not run in parallel.
func Reset(t testing.TB, url string) {
	t.Helper()
	resp, err := http.Post(url+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatalf("reset moto: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reset moto: %s", resp.Status)
	}
}

func start() {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		moto.skip = "moto_server not installed: " + err.Error() + " (pip install 'moto[server]' to run these tests)"
		return
	}
	// A free port can be taken by someone else between the probe and
	// moto's bind; try a few.
	for range 3 {
		if moto.err = launch(bin); moto.err == nil {
			return
		}
	}
}

func launch(bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(),
		"AWS_CONFIG_FILE=/nonexistent/ecsmedic-tests/config",
		"AWS_SHARED_CREDENTIALS_FILE=/nonexistent/ecsmedic-tests/credentials",
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_DEFAULT_REGION=us-east-1",
		"PYTHONUNBUFFERED=1",
	)
	setProcessGroup(cmd)
	out, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = cmd.Stderr // both into the same pipe
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	done, ready := make(chan struct{}), make(chan struct{})
	var said strings.Builder // what moto said before it was ready
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			if signalled {
				continue // keep draining, or moto blocks on its request log
			}
			said.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "Running on http://127.0.0.1:"+strconv.Itoa(port)) {
				signalled = true
				close(ready)
			}
		}
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	select {
	case <-ready:
	case <-done:
		return fmt.Errorf("moto_server exited before it was ready:\n%s", said.String())
	case <-ctx.Done():
		killGroup(cmd)
		<-done
		return fmt.Errorf("moto_server not ready after 60s:\n%s", said.String())
	}
	moto.cmd, moto.done = cmd, done
	moto.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
