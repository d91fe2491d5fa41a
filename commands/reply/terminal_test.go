package reply

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goldenfile "github.com/ecsmedic/ecsmedic/internal/golden"
)

func sample() Message {
	kst := time.FixedZone("KST", 9*3600)
	return Message{
		Title:       "backend: stopped after failing load-balancer health checks — CPU-starved, not out of memory",
		Description: "The **backend** task failed the ALB health checks and ECS replaced it. It was not out of memory (OOM): CPU was at 99 % of its reservation.",
		Severity:    Critical,
		Fields: []Field{
			{Name: "Verdict", Value: "Failed load-balancer health checks (confidence: high)", Inline: true},
			{Name: "판정", Value: "로드밸런서 헬스 체크 실패로 ECS가 태스크를 교체했습니다. 메모리 부족(OOM)이 아니었습니다: CPU가 예약량의 99%였습니다."},
			{Name: "Last log lines", Value: "```\n13:33:58 POST /api/user/sign-up 200 1843ms a very long line that must not be wrapped because it is a log line\n```"},
		},
		Footer:   "ecsmedic",
		DataTime: time.Date(2024, 4, 17, 13, 40, 0, 0, kst),
		Attachments: []Attachment{
			{Name: "../backend-cpu-memory.png", ContentType: "image/png", Data: []byte("png"), Text: "CPU ▂▄▆███ 99%"},
		},
		Buttons: []Button{
			{ID: "!scale backend cpu 1024", Label: "!scale backend cpu 1024"},
			{ID: "!reservation on"},
		},
	}
}

func TestRenderText(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		opt  TextOptions
	}{
		{"plain", sample(), TextOptions{}},
		{"color", sample(), TextOptions{Color: true}},
		{"wrapped", sample(), TextOptions{Width: 50}},
		{"saved", sample(), TextOptions{SaveDir: "SAVEDIR"}},
		{"empty", Message{}, TextOptions{Color: true, Width: 10}},
		{"ok inline", Message{Title: "frontend", Severity: OK, Fields: []Field{{Name: "Tasks", Value: "2/2", Inline: true}}}, TextOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opt.SaveDir != "" {
				tt.opt.SaveDir = t.TempDir()
			}
			got := RenderText(tt.m, tt.opt)
			if tt.opt.SaveDir != "" {
				b, err := os.ReadFile(filepath.Join(tt.opt.SaveDir, "backend-cpu-memory.png"))
				if err != nil || string(b) != "png" {
					t.Errorf("attachment not saved under the directory: %q, %v", b, err)
				}
				got = strings.ReplaceAll(got, tt.opt.SaveDir, "SAVEDIR")
			}
			golden(t, "terminal_"+strings.ReplaceAll(tt.name, " ", "_")+".golden", got)
		})
	}
}

func TestDisplayWidth(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"abc", 3}, {"판정", 4}, {"CPU가", 5}, {"", 0}, {"\xff", 1},
	}
	for _, tt := range tests {
		if got := displayWidth(tt.in); got != tt.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.Check(t, name, got)
}
