package watch

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// moto is the moto_server this test binary starts on first use (as
// aws/motocheck does: ready when it says so, never by sleeping).
var moto struct {
	once sync.Once
	url  string
	skip string
	err  error
	cmd  *exec.Cmd
	done chan struct{}
}

func TestMain(m *testing.M) {
	for _, k := range []string{"AWS_PROFILE", "AWS_ENDPOINT_URL"} {
		_ = os.Unsetenv(k)
	}
	_ = os.Setenv("AWS_CONFIG_FILE", "/nonexistent/watch/config")
	_ = os.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/watch/credentials")
	code := m.Run()
	if moto.cmd != nil {
		killGroup(moto.cmd)
		<-moto.done
	}
	os.Exit(code)
}

func motoURL(t *testing.T) string {
	t.Helper()
	moto.once.Do(func() {
		bin, err := exec.LookPath("moto_server")
		if err != nil {
			moto.skip = "moto_server not installed, so the SQS source is not tested against a real SQS API: " + err.Error() + " (pip install 'moto[server]')"
			return
		}
		for range 3 {
			if moto.err = startMoto(bin); moto.err == nil {
				return
			}
		}
	})
	if moto.skip != "" {
		t.Skip(moto.skip)
	}
	if moto.err != nil {
		t.Fatalf("moto_server: %v", moto.err)
	}
	return moto.url
}

func startMoto(bin string) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_DEFAULT_REGION=ap-northeast-2", "PYTHONUNBUFFERED=1")
	setProcessGroup(cmd)
	out, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	done, ready := make(chan struct{}), make(chan struct{})
	var said strings.Builder
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			if !signalled {
				said.WriteString(sc.Text() + "\n")
				if strings.Contains(sc.Text(), "Running on http://127.0.0.1:"+strconv.Itoa(port)) {
					signalled = true
					close(ready)
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
	}()
	select {
	case <-ready:
	case <-done:
		return fmt.Errorf("moto_server exited before it was ready:\n%s", said.String())
	case <-time.After(60 * time.Second):
		killGroup(cmd)
		<-done
		return fmt.Errorf("moto_server not ready after 60s:\n%s", said.String())
	}
	moto.cmd, moto.done, moto.url = cmd, done, fmt.Sprintf("http://127.0.0.1:%d", port)
	return nil
}
