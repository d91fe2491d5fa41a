package bot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestButtonIDs(t *testing.T) {
	t.Parallel()
	s := signer{key: testKey}
	other := signer{key: []byte("another key, another bot.......")}
	good, ok := s.id("cmd", "!scale backend cpu 1024")
	if !ok || len(good) > maxID {
		t.Fatalf("id %q ok=%v", good, ok)
	}
	fromOther, _ := other.id("cmd", "!scale backend cpu 1024")
	tampered := strings.Replace(good, "1024", "4096", 1)
	tests := []struct {
		name, id      string
		ok            bool
		action, value string
	}{
		{"ours", good, true, "cmd", "!scale backend cpu 1024"},
		{"payload changed", tampered, false, "", ""},
		{"another key", fromOther, false, "", ""},
		{"no mac", "em1:cmd:!scale backend cpu 1024", false, "", ""},
		{"empty", "", false, "", ""},
		{"other version", "em0" + good[3:], false, "", ""},
		{"mac truncated", good[:len(good)-1], false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, p, ok := s.verify(tt.id)
			if ok != tt.ok || a != tt.action || p != tt.value {
				t.Errorf("verify = %q, %q, %v; want %q, %q, %v", a, p, ok, tt.action, tt.value, tt.ok)
			}
		})
	}
	if _, ok := s.id("a:b", "x"); ok {
		t.Error("an action with a colon was signed")
	}
	// A payload may hold colons.
	id, _ := s.id("approve", "req:42")
	if a, p, ok := s.verify(id); !ok || a != "approve" || p != "req:42" {
		t.Errorf("colon payload: %q %q %v", a, p, ok)
	}
}

func TestLoadButtonKey(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "ecsmedic.db")
	t.Setenv(EnvButtonKey, "")
	k1, err := LoadButtonKey(store)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(store + ".key")
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, st.Mode())
	}
	k2, err := LoadButtonKey(store)
	if err != nil || string(k1) != string(k2) {
		t.Fatalf("the key changed across a restart: %v", err)
	}
	if err := os.Chmod(store+".key", 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadButtonKey(store); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key was accepted: %v", err)
	}
	t.Setenv(EnvButtonKey, "short")
	if _, err := LoadButtonKey(store); err == nil {
		t.Error("a short key was accepted")
	}
	t.Setenv(EnvButtonKey, "a-long-enough-key-from-the-environment")
	if k, err := LoadButtonKey(""); err != nil || string(k) != "a-long-enough-key-from-the-environment" {
		t.Errorf("env key: %q, %v", k, err)
	}
}
