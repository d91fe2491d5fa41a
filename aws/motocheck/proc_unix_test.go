//go:build unix

package motocheck_test

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts moto_server (a pyenv shim or a Python script) in a
// process group of its own, so that killGroup reaches whatever it execs.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the process group that setProcessGroup made: only the
// moto_server this test binary started.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		_ = cmd.Process.Kill()
	}
}
