//go:build unix

package mototest

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts moto_server in a process group of its own, so that
// killGroup reaches whatever it execs (a pyenv shim).
func setProcessGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills only the process group this test binary started.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		_ = cmd.Process.Kill()
	}
}
