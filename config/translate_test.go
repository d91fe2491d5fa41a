package config

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// TestTranslateOtherMessage: a decoder message of no known form keeps its
// words and gets its line.
func TestTranslateOtherMessage(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("aws:\n  region: ap-northeast-2\n"), &doc); err != nil {
		t.Fatal(err)
	}
	e, unread, broken := newIndex(&doc).translate("ecsmedic.yaml", "line 2: something new went wrong")
	if e.Line != 2 || e.Message != "something new went wrong" || e.File != "ecsmedic.yaml" || unread != "" || broken {
		t.Errorf("translate = %+v, %q, %v", e, unread, broken)
	}
}
