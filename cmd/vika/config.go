package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Config is every setting a user can type, by the key they type it with (see vika.example.yaml). Defaults are set
// in defaults(); Validate checks the sections a command needs and names the key of the first wrong value.
type Config struct {
	ARI      ARIConfig      `mapstructure:"ari"`
	Database DatabaseConfig `mapstructure:"database"`
	Admin    AdminConfig    `mapstructure:"admin"`
	Log      LogConfig      `mapstructure:"log"`
	Flow     FlowConfig     `mapstructure:"flow"`
	Prompts  PromptsConfig  `mapstructure:"prompts"`
	CallLog  CallLogConfig  `mapstructure:"calllog"`
	Sim      SimConfig      `mapstructure:"sim"`
	Console  ConsoleConfig  `mapstructure:"console"`
}

type ARIConfig struct {
	URL      string `mapstructure:"url"`
	WSURL    string `mapstructure:"ws_url"`
	User     string `mapstructure:"user"`
	Password string `mapstructure:"password"`
	App      string `mapstructure:"app"`
	// MaxConns caps the REST connections to one Asterisk node (aripool.go); keep it under http.conf's sessionlimit.
	MaxConns int `mapstructure:"max_conns"`
	// Nodes, when set, replaces url/ws_url: one ARI connection per Asterisk node (nodes.go).
	Nodes []ARINode `mapstructure:"nodes"`
}

type DatabaseConfig struct {
	URL      string `mapstructure:"url"`
	MaxConns int    `mapstructure:"max_conns"`
	// ReplicaURL, when set, is a streaming read replica for participant look-ups (replica.go).
	ReplicaURL    string        `mapstructure:"replica_url"`
	ReplicaMaxLag time.Duration `mapstructure:"replica_max_lag"`
}

type AdminConfig struct {
	Addr  string `mapstructure:"addr"`
	Pprof bool   `mapstructure:"pprof"` // mount net/http/pprof under /debug/pprof/ on admin.addr (pprof.go)
}

type LogConfig struct {
	Level  string `mapstructure:"level"`
	Format string `mapstructure:"format"`
}

type FlowConfig struct {
	// File overrides the embedded default call flow (dialplan/default.yaml).
	File string `mapstructure:"file"`
	// Timezone is where the agents' opening hours are read.
	Timezone string `mapstructure:"timezone"`
}

type PromptsConfig struct {
	// Dir holds <lang>/vika/<id>.wav; the simulator reads durations from it and `prompts build` writes to it.
	Dir string `mapstructure:"dir"`
	// Check is what `vika serve` does when Asterisk lacks a prompt at start: "enforce" (refuse to start) or "warn".
	Check string `mapstructure:"check"`
}

type CallLogConfig struct {
	// HashKey keys the hash that lets a supervisor find the calls of a NIK or card number without storing it.
	HashKey string `mapstructure:"hash_key"`
	// Spool is a directory where call-log events wait while the database is unreachable or slower than the calls
	// (on by default; "off" turns it off).
	Spool string `mapstructure:"spool"`
	// SpoolMaxMB caps the spool; past it events are lost, counted (vika_calllog_dropped_total) and logged.
	SpoolMaxMB int `mapstructure:"spool_max_mb"`
}

type SimConfig struct {
	Addr     string  `mapstructure:"addr"`
	User     string  `mapstructure:"user"`
	Password string  `mapstructure:"password"`
	Speed    float64 `mapstructure:"speed"`
	// Extensions is the extensions.conf the simulator routes calls with.
	Extensions string `mapstructure:"extensions"`
	// SessionLimit is http.conf's sessionlimit: HTTP connections served at once, more closed unanswered.
	SessionLimit int `mapstructure:"session_limit"`
}

// ConsoleConfig is the supervisors' console (vika console); see console.go for what each key does.
type ConsoleConfig struct {
	Addr        string        `mapstructure:"addr"`
	TLSCert     string        `mapstructure:"tls_cert"`
	TLSKey      string        `mapstructure:"tls_key"`
	Secure      bool          `mapstructure:"secure_cookies"`
	TrustProxy  bool          `mapstructure:"trust_proxy"`
	IdleTimeout time.Duration `mapstructure:"idle_timeout"`
	MaxSession  time.Duration `mapstructure:"max_session"`
}

func defaults(v *viper.Viper) {
	v.SetDefault("ari.url", "http://127.0.0.1:8088/ari")
	v.SetDefault("ari.ws_url", "")
	v.SetDefault("ari.user", "vika")
	v.SetDefault("ari.password", "")
	v.SetDefault("ari.app", "vika")
	v.SetDefault("ari.max_conns", defaultARIConns)
	v.SetDefault("database.url", "")
	v.SetDefault("database.max_conns", 20)
	v.SetDefault("database.replica_url", "")
	v.SetDefault("database.replica_max_lag", "5s")
	v.SetDefault("admin.addr", "127.0.0.1:9165")
	v.SetDefault("admin.pprof", false)
	v.SetDefault("log.level", "info")
	v.SetDefault("log.format", "json")
	v.SetDefault("flow.file", "")
	v.SetDefault("flow.timezone", "Asia/Jakarta")
	v.SetDefault("prompts.dir", "prompts/sounds")
	v.SetDefault("prompts.check", "enforce")
	v.SetDefault("calllog.hash_key", "")
	v.SetDefault("calllog.spool", defaultSpool())
	v.SetDefault("calllog.spool_max_mb", 1024)
	v.SetDefault("sim.addr", "127.0.0.1:8088")
	v.SetDefault("sim.user", "vika")
	v.SetDefault("sim.password", "")
	v.SetDefault("sim.speed", 1.0)
	v.SetDefault("sim.session_limit", 100) // Asterisk's default; asterisk-conf/http.conf sets 200
	v.SetDefault("sim.extensions", "asterisk-conf/extensions.conf")
	v.SetDefault("console.addr", "127.0.0.1:9166")
	v.SetDefault("console.tls_cert", "")
	v.SetDefault("console.tls_key", "")
	v.SetDefault("console.secure_cookies", false)
	v.SetDefault("console.trust_proxy", false)
	v.SetDefault("console.idle_timeout", "30m")
	v.SetDefault("console.max_session", "12h")
}

// ConfigError is a wrong or missing configuration value; its message names the key and what was expected.
type ConfigError struct {
	Key  string
	What string
}

func (e *ConfigError) Error() string { return e.Key + ": " + e.What }

func badKey(key, format string, args ...any) error {
	return &ConfigError{Key: key, What: fmt.Sprintf(format, args...)}
}

// Section names a part of the configuration a command depends on.
type Section int

const (
	NeedARI Section = iota
	NeedDatabase
	NeedAdmin
	NeedSim
	NeedConsole
)

// Validate checks the keys every command uses, then those of the sections named.
func (c *Config) Validate(need ...Section) error {
	if err := oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error"); err != nil {
		return err
	}
	if err := oneOf("log.format", c.Log.Format, "json", "console"); err != nil {
		return err
	}
	if _, err := time.LoadLocation(c.Flow.Timezone); err != nil {
		return badKey("flow.timezone", "unknown time zone %q (expected e.g. Asia/Jakarta)", c.Flow.Timezone)
	}
	if err := oneOf("prompts.check", c.Prompts.Check, "enforce", "warn"); err != nil {
		return err
	}
	for _, s := range need {
		var err error
		switch s {
		case NeedARI:
			err = c.validateARI()
		case NeedDatabase:
			err = c.validateDatabase()
		case NeedAdmin:
			err = hostPort("admin.addr", c.Admin.Addr)
		case NeedSim:
			err = c.validateSim()
		case NeedConsole:
			err = c.validateConsole()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) validateARI() error {
	if err := c.validateApp(); err != nil {
		return err
	}
	if c.ARI.MaxConns < 1 || c.ARI.MaxConns > 1000 {
		return badKey("ari.max_conns", "%d is out of range (expected 1..1000, and below Asterisk's http.conf sessionlimit)", c.ARI.MaxConns)
	}
	if len(c.ARI.Nodes) > 0 {
		return c.validateNodes()
	}
	if err := httpURL("ari.url", c.ARI.URL); err != nil {
		return err
	}
	if c.ARI.WSURL != "" {
		u, err := url.Parse(c.ARI.WSURL)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return badKey("ari.ws_url", "%q is not a ws:// or wss:// URL (leave it empty to derive it from ari.url)", c.ARI.WSURL)
		}
	}
	if c.ARI.User == "" {
		return badKey("ari.user", "missing (the user of an [user] section in Asterisk's ari.conf)")
	}
	if c.ARI.Password == "" {
		return badKey("ari.password", "missing (set VIKA_ARI_PASSWORD; it is never logged)")
	}
	return nil
}

func (c *Config) validateApp() error {
	if c.ARI.App == "" || strings.ContainsAny(c.ARI.App, " ,/?&") {
		return badKey("ari.app", "%q is not a Stasis application name (expected e.g. vika, or vika-a and vika-b for two instances, as in Stasis(vika-a,mobile))", c.ARI.App)
	}
	return nil
}

func (c *Config) validateDatabase() error {
	if c.Database.URL == "" {
		return badKey("database.url", "missing (set DATABASE_URL or VIKA_DATABASE_URL, e.g. postgres://vika@127.0.0.1:5432/vika)")
	}
	if _, err := pgx.ParseConfig(c.Database.URL); err != nil {
		return badKey("database.url", "not a PostgreSQL connection string (expected postgres://user@host:port/db)")
	}
	if c.Database.MaxConns < 1 || c.Database.MaxConns > 1000 {
		return badKey("database.max_conns", "%d is out of range (expected 1..1000)", c.Database.MaxConns)
	}
	return c.validateReplica()
}

func (c *Config) validateSim() error {
	if err := hostPort("sim.addr", c.Sim.Addr); err != nil {
		return err
	}
	if c.Sim.User == "" {
		return badKey("sim.user", "missing")
	}
	if c.Sim.Speed <= 0 || c.Sim.Speed > 1000 {
		return badKey("sim.speed", "%g is out of range (expected >0 and ≤1000; 1 is real time)", c.Sim.Speed)
	}
	if c.Sim.SessionLimit < 1 {
		return badKey("sim.session_limit", "%d: expected at least 1 (http.conf sessionlimit; Asterisk's default is 100)", c.Sim.SessionLimit)
	}
	if _, err := os.Stat(c.Sim.Extensions); err != nil && c.Sim.Extensions != defaultExtensions {
		return badKey("sim.extensions", "cannot read %q: %v", c.Sim.Extensions, err)
	}
	return nil
}

// WebSocketURL is ari.ws_url, or the events URL derived from ari.url when it is empty.
func (c ARIConfig) WebSocketURL() string {
	if c.WSURL != "" {
		return c.WSURL
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return ""
	}
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/events"
	return u.String()
}

func oneOf(key, val string, allowed ...string) error {
	for _, a := range allowed {
		if val == a {
			return nil
		}
	}
	return badKey(key, "%q is not one of %s", val, strings.Join(allowed, ", "))
}

func httpURL(key, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badKey(key, "%q is not an http:// or https:// URL (expected e.g. http://127.0.0.1:8088/ari)", raw)
	}
	return nil
}

func hostPort(key, addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return badKey(key, "%q is not host:port (expected e.g. 127.0.0.1:9165)", addr)
	}
	return nil
}

// redacted is the configuration as it may be logged: secrets replaced, passwords in URLs removed.
func (c Config) redacted() Config {
	if c.ARI.Password != "" {
		c.ARI.Password = "***"
	}
	c.ARI.Nodes = append([]ARINode(nil), c.ARI.Nodes...) // a copy: the caller's config keeps its passwords
	for i := range c.ARI.Nodes {
		if c.ARI.Nodes[i].Password != "" {
			c.ARI.Nodes[i].Password = "***"
		}
	}
	if c.Sim.Password != "" {
		c.Sim.Password = "***"
	}
	if c.CallLog.HashKey != "" {
		c.CallLog.HashKey = "***"
	}
	if u, err := url.Parse(c.Database.ReplicaURL); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "***")
			c.Database.ReplicaURL = u.String()
		}
	}
	if u, err := url.Parse(c.Database.URL); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "***")
			c.Database.URL = u.String()
		}
	}
	return c
}

// flagBinding ties a command-line flag to the configuration key it sets.
type flagBinding struct {
	flag *pflag.Flag
	key  string
}
