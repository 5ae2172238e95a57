package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runVika runs the command tree in-process, with the environment given, and returns its error.
func runVika(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	a := newApp()
	root := newRootCmd(a)
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestAWrongConfigurationValueStopsTheProgramWithAMessageNamingTheKey(t *testing.T) {
	dir := t.TempDir()
	badYAML := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badYAML, []byte("log:\n  format: xml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		env     map[string]string
		args    []string
		wantKey string
	}{
		{"log level from the environment", map[string]string{"VIKA_LOG_LEVEL": "loud"}, []string{"version"}, "log.level"},
		{"log format from the file", nil, []string{"--config", badYAML, "version"}, "log.format"},
		{"log level from a flag", nil, []string{"--log-level", "chatty", "version"}, "log.level"},
		{"a number that is not one", map[string]string{"VIKA_DATABASE_MAX_CONNS": "many"}, []string{"version"}, "database.max_conns"},
		{"an unknown time zone", map[string]string{"VIKA_FLOW_TIMEZONE": "Mars/Olympus"}, []string{"version"}, "flow.timezone"},
		{"a config file that does not exist", nil, []string{"--config", filepath.Join(dir, "nope.yaml"), "version"}, "--config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runVika(t, tc.env, tc.args...)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want a ConfigError naming %s, got %v", tc.wantKey, err)
			}
			if ce.Key != tc.wantKey {
				t.Fatalf("error names %q, want %q (%v)", ce.Key, tc.wantKey, err)
			}
			if strings.Contains(ce.Error(), "\n") {
				t.Fatalf("message is not one line: %q", ce.Error())
			}
		})
	}
}

func TestValidationOfACommandsSectionsNamesTheMissingKey(t *testing.T) {
	t.Parallel()
	base := func() Config {
		return Config{
			ARI:      ARIConfig{URL: "http://127.0.0.1:8088/ari", User: "vika", Password: "s3cret", App: "vika", MaxConns: 50},
			Database: DatabaseConfig{URL: "postgres://vika@127.0.0.1:5432/vika", MaxConns: 10},
			Admin:    AdminConfig{Addr: "127.0.0.1:9165"},
			Log:      LogConfig{Level: "info", Format: "json"},
			Flow:     FlowConfig{Timezone: "Asia/Jakarta"},
			Prompts:  PromptsConfig{Check: "enforce"},
			Sim:      SimConfig{Addr: "127.0.0.1:8088", User: "vika", Speed: 1, Extensions: defaultExtensions, SessionLimit: 100},
		}
	}
	cases := []struct {
		name    string
		mutate  func(*Config)
		need    Section
		wantKey string
	}{
		{"no ARI password", func(c *Config) { c.ARI.Password = "" }, NeedARI, "ari.password"},
		{"an ARI URL without scheme", func(c *Config) { c.ARI.URL = "127.0.0.1:8088" }, NeedARI, "ari.url"},
		{"a websocket URL that is http", func(c *Config) { c.ARI.WSURL = "http://x/ari/events" }, NeedARI, "ari.ws_url"},
		{"an app name with a comma", func(c *Config) { c.ARI.App = "vika,mobile" }, NeedARI, "ari.app"},
		{"no ARI connections", func(c *Config) { c.ARI.MaxConns = 0 }, NeedARI, "ari.max_conns"},
		{"no database URL", func(c *Config) { c.Database.URL = "" }, NeedDatabase, "database.url"},
		{"a database URL that is not one", func(c *Config) { c.Database.URL = "mysql://x" }, NeedDatabase, "database.url"},
		{"zero connections", func(c *Config) { c.Database.MaxConns = 0 }, NeedDatabase, "database.max_conns"},
		{"an admin address without port", func(c *Config) { c.Admin.Addr = "localhost" }, NeedAdmin, "admin.addr"},
		{"a prompt check mode nobody knows", func(c *Config) { c.Prompts.Check = "maybe" }, NeedARI, "prompts.check"},
		{"a simulator that serves no HTTP session", func(c *Config) { c.Sim.SessionLimit = 0 }, NeedSim, "sim.session_limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := base()
			if err := c.Validate(tc.need); err != nil {
				t.Fatalf("the valid base config fails: %v", err)
			}
			tc.mutate(&c)
			err := c.Validate(tc.need)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key != tc.wantKey {
				t.Fatalf("want error naming %s, got %v", tc.wantKey, err)
			}
		})
	}
}

func TestSecretsNeverAppearInTheLoggableConfiguration(t *testing.T) {
	t.Parallel()
	c := Config{
		ARI:      ARIConfig{Password: "ari-pw-123"},
		Database: DatabaseConfig{URL: "postgres://vika:db-pw-456@db:5432/vika"},
		CallLog:  CallLogConfig{HashKey: "hash-key-789"},
		Sim:      SimConfig{Password: "sim-pw-000"},
	}
	dump := strings.Join([]string{c.redacted().ARI.Password, c.redacted().Database.URL, c.redacted().CallLog.HashKey, c.redacted().Sim.Password}, " ")
	for _, secret := range []string{"ari-pw-123", "db-pw-456", "hash-key-789", "sim-pw-000"} {
		if strings.Contains(dump, secret) {
			t.Errorf("redacted config still shows %q: %s", secret, dump)
		}
	}
}

func TestTheWebSocketURLIsDerivedFromTheARIURL(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"http://127.0.0.1:8088/ari": "ws://127.0.0.1:8088/ari/events",
		"https://pbx.example/ari/":  "wss://pbx.example/ari/events",
	}
	for in, want := range cases {
		if got := (ARIConfig{URL: in}).WebSocketURL(); got != want {
			t.Errorf("%s → %s, want %s", in, got, want)
		}
	}
	if got := (ARIConfig{URL: "http://a/ari", WSURL: "ws://b/events"}).WebSocketURL(); got != "ws://b/events" {
		t.Errorf("an explicit ari.ws_url is not used: %s", got)
	}
}

func TestDatabaseURLIsReadFromTheConventionalEnvironmentVariable(t *testing.T) {
	t.Setenv("VIKA_DATABASE_URL", "")
	a := newApp()
	root := newRootCmd(a)
	root.SetArgs([]string{"version"})
	root.SetOut(&bytes.Buffer{})
	t.Setenv("DATABASE_URL", "postgres://someone@dbhost:5432/vika")
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if a.cfg.Database.URL != "postgres://someone@dbhost:5432/vika" {
		t.Fatalf("database.url = %q, want it from DATABASE_URL", a.cfg.Database.URL)
	}
}
