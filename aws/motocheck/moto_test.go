package motocheck_test

import (
	"bufio"
	"context"
	"errors"
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

// moto is the moto_server subprocess shared by every test in the binary.
var moto struct {
	once sync.Once
	url  string
	err  error // why moto could not be started
	skip string
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

func TestMain(m *testing.M) {
	// The SDK clients below are configured explicitly, but make sure that
	// nothing can pick up the developer's real AWS configuration.
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":             "/nonexistent/motocheck/config",
		"AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/motocheck/credentials",
		"AWS_PROFILE":                 "",
		"AWS_ENDPOINT_URL":            "",
	} {
		if v == "" {
			_ = os.Unsetenv(k)
		} else {
			_ = os.Setenv(k, v)
		}
	}
	code := m.Run()
	stopMoto()
	os.Exit(code)
}

// motoURL returns the base URL of a running moto_server, starting it on
// first use, and skips the test when moto is not installed.
func motoURL(t *testing.T) string {
	t.Helper()
	moto.once.Do(startMoto)
	if moto.skip != "" {
		t.Skip(moto.skip)
	}
	if moto.err != nil {
		t.Fatalf("moto_server: %v", moto.err)
	}
	return moto.url
}

func startMoto() {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		// moto is a Python package and cannot be installed from the
		// registries this project's CI can reach, so skip even in CI.
		moto.skip = "moto_server not installed: " + err.Error() + " (pip install 'moto[server]' to run these tests)"
		return
	}
	// A free port can be taken by someone else between our probe and
	// moto's bind; try a few.
	for range 3 {
		if moto.err = launchMoto(bin); moto.err == nil {
			return
		}
	}
}

func launchMoto(bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(),
		"AWS_CONFIG_FILE=/nonexistent/motocheck/config",
		"AWS_SHARED_CREDENTIALS_FILE=/nonexistent/motocheck/credentials",
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_DEFAULT_REGION="+region,
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
	done := make(chan struct{})
	ready := make(chan struct{})
	var tail strings.Builder // what moto said before it was ready
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			if signalled {
				continue // keep draining, or moto blocks on its request log
			}
			line := sc.Text()
			tail.WriteString(line + "\n")
			if strings.Contains(line, "Running on http://127.0.0.1:"+strconv.Itoa(port)) {
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
		return fmt.Errorf("moto_server exited before it was ready:\n%s", tail.String())
	case <-ctx.Done():
		killGroup(cmd)
		<-done
		return fmt.Errorf("moto_server not ready after 60s:\n%s", tail.String())
	}
	moto.cmd, moto.done = cmd, done
	moto.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	return nil
}

func stopMoto() {
	if moto.cmd == nil {
		return
	}
	killGroup(moto.cmd)
	<-moto.done
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// resetMoto forgets every resource moto holds, so that each top-level test
// starts from an empty account. Tests in this package do not run in
// parallel for that reason.
func resetMoto(t *testing.T, url string) {
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

var errNotAPI = errors.New("not an API error")
