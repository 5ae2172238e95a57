package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestANumberTooBigForAnIntIsReportedAsTheValueGiven(t *testing.T) {
	const big = "999999999999999999999"
	dir := t.TempDir()
	file := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(file, []byte("database:\n  max_conns: "+big+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string // what the message must quote
	}{
		{"from the environment", map[string]string{"VIKA_DATABASE_MAX_CONNS": big}, []string{"version"}, big},
		// YAML reads a number this long as a float: the message quotes it to its precision, never a wrapped int.
		{"from the config file", nil, []string{"--config", file, "version"}, "1000000000000000000000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runVika(t, tc.env, tc.args...)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key != "database.max_conns" {
				t.Fatalf("want a ConfigError naming database.max_conns, got %v", err)
			}
			if !strings.Contains(ce.Error(), tc.want) || strings.Contains(ce.Error(), "-9223372036854775808") {
				t.Errorf("the message %q does not name the value given, %s", ce.Error(), tc.want)
			}
		})
	}
}
