package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAMisspeltKeyInTheConfigFileIsNamedWithTheKeyItResembles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, yaml, wantKey, wantHint string
	}{
		{"a misspelt key in a section", "ari:\n  url: http://127.0.0.1:8088/ari\n  pasword: x\n", "ari.pasword", "did you mean ari.password?"},
		{"a misspelt section", "databse:\n  url: postgres://vika@db/vika\n", "databse", "did you mean database?"},
		{"a key unlike any other", "frobnicate: yes\n", "frobnicate", "unknown key"},
		{"several: the first is named, the others listed", "ari:\n  pasword: x\nlog:\n  levle: debug\n", "ari.pasword", "also unknown: log.levle (did you mean log.level?)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "vika.yaml")
			if err := os.WriteFile(path, []byte(c.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			err := unknownKey(path)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key != c.wantKey || !strings.Contains(ce.What, c.wantHint) {
				t.Fatalf("got %v; want a ConfigError naming %s with %q", err, c.wantKey, c.wantHint)
			}
		})
	}
}

func TestTheExampleConfigurationHasNoUnknownKey(t *testing.T) {
	t.Parallel()
	if err := unknownKey("../../vika.example.yaml"); err != nil {
		t.Fatalf("vika.example.yaml: %v", err)
	}
}
