package bot

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// EnvButtonKey names the environment variable that may hold the key that
// signs button IDs.
const EnvButtonKey = "ECSMEDIC_BUTTON_KEY"

const minKeyLen = 16

// LoadButtonKey returns the key that signs button custom IDs, so that a
// button still works after a restart and nobody can forge one.
//
// The key comes from $ECSMEDIC_BUTTON_KEY when it is set (at least 16
// characters; best for several replicas or a read-only disk). Otherwise it
// is 32 random bytes kept in the file storePath+".key", created with mode
// 0600 on first start next to the store, which already holds the pending
// approvals these buttons refer to: losing one means losing the other.
func LoadButtonKey(storePath string) ([]byte, error) {
	if v := strings.TrimSpace(os.Getenv(EnvButtonKey)); v != "" {
		if len(v) < minKeyLen {
			return nil, fmt.Errorf("%s is too short: use at least %d random characters (for example: openssl rand -hex 32)", EnvButtonKey, minKeyLen)
		}
		return []byte(v), nil
	}
	if storePath == "" {
		return nil, fmt.Errorf("no place for the button key: set %s, or storage.path in the config", EnvButtonKey)
	}
	path := storePath + ".key"
	key, err := readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("making a button key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path) // another process made it first
	}
	if err != nil {
		return nil, fmt.Errorf("cannot write the button key %s: %w; make its folder writable, or set %s", path, err, EnvButtonKey)
	}
	_, werr := f.WriteString(hex.EncodeToString(key) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("cannot write the button key %s: %w", path, werr)
	}
	return key, nil
}

func readKeyFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the button key %s can be read by other users (mode %o): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the button key %s: %w", path, err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(buf)))
	if err != nil || len(key) < minKeyLen {
		return nil, fmt.Errorf("the button key %s is damaged: delete it and restart (buttons on old messages will stop working)", path)
	}
	return key, nil
}
