package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/vika-jkn/vika/metrics"
	"github.com/vika-jkn/vika/store"
)

// app carries what every command shares once the configuration is loaded: the validated Config and the logger.
type app struct {
	v     *viper.Viper
	cfg   Config
	log   *zap.Logger
	flags []flagBinding
	// speed is how much faster than real time the simulated Asterisk runs (demo, loadtest); the flow's timeouts are
	// divided by it too, so that a caller's pauses and the IVR's patience keep their proportions.
	speed float64
	// drain is how long calls in progress may go on after SIGTERM (serve's --drain-timeout).
	drain time.Duration
	// now is the wall clock: time.Now, or the demo's --now moving on from the instant given.
	now func() time.Time
	// metrics is the registry of the running serve (set by runServe), which loadtest reads for its report.
	metrics *metrics.Metrics
	// callLog is the call-log writer runServe built, for loadtest's report of what reached the database.
	callLog *store.CallLog
}

func newApp() *app {
	return &app{v: viper.New(), log: zap.NewNop(), drain: 5 * time.Second, now: time.Now}
}

// bindFlag makes a flag set a configuration key, but only when the user typed it, so the flag's own default never
// hides a value from the file or the environment.
func (a *app) bindFlag(f *pflag.Flag, key string) {
	if f == nil {
		panic("bindFlag: no such flag for " + key)
	}
	a.flags = append(a.flags, flagBinding{flag: f, key: key})
}

// load builds the configuration in the documented order (defaults, file, environment, flags) and the logger.
func (a *app) load(cmd *cobra.Command) error {
	v := a.v
	defaults(v)
	v.SetEnvPrefix("VIKA")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if err := v.BindEnv("database.url", "VIKA_DATABASE_URL", "DATABASE_URL"); err != nil {
		return err
	}
	if path, _ := cmd.Flags().GetString("config"); path != "" {
		v.SetConfigFile(path)
		if err := v.ReadInConfig(); err != nil {
			return &ConfigError{Key: "--config", What: fmt.Sprintf("cannot read %s: %v", path, err)}
		}
		if err := unknownKey(path); err != nil {
			return err
		}
	}
	for _, b := range a.flags {
		if b.flag.Changed {
			v.Set(b.key, b.flag.Value.String())
		}
	}
	if err := checkIntKeys(v); err != nil {
		return err
	}
	if err := v.Unmarshal(&a.cfg); err != nil {
		return unmarshalError(err)
	}
	if err := a.cfg.Validate(); err != nil {
		return err
	}
	logger, err := newLogger(a.cfg.Log)
	if err != nil {
		return err
	}
	a.log = logger
	return nil
}

// unmarshalError turns mapstructure's "cannot parse 'database.lookup_timeout' as ..." into a ConfigError that names
// the key the user typed.
func unmarshalError(err error) error {
	msg := err.Error()
	for _, part := range strings.Split(msg, "'") {
		if strings.Contains(part, ".") && !strings.ContainsAny(part, " :") {
			return &ConfigError{Key: part, What: "wrong type: " + lastLine(msg)}
		}
	}
	return &ConfigError{Key: "config", What: lastLine(msg)}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimLeft(s, "* ")
}

// newLogger gives JSON logs for production and coloured console logs for a person at a terminal.
func newLogger(c LogConfig) (*zap.Logger, error) {
	var level zapcore.Level
	if err := level.Set(c.Level); err != nil {
		return nil, badKey("log.level", "%q is not a level", c.Level)
	}
	var zc zap.Config
	switch c.Format {
	case "console":
		zc = zap.NewDevelopmentConfig()
		zc.EncoderConfig.EncodeLevel = zapcore.CapitalColorLevelEncoder
	case "json":
		zc = zap.NewProductionConfig()
		zc.EncoderConfig.TimeKey = "ts"
		zc.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	default:
		return nil, badKey("log.format", "%q is not json or console", c.Format)
	}
	// Stack traces only for errors: a warning at a terminal is one line (Development mode would add one to each).
	zc.DisableStacktrace = true
	zc.Level = zap.NewAtomicLevelAt(level)
	zc.OutputPaths = []string{"stderr"}
	zc.ErrorOutputPaths = []string{"stderr"}
	return zc.Build(zap.AddStacktrace(zapcore.ErrorLevel))
}

func (a *app) sync() {
	// Syncing stderr fails with EINVAL on some terminals; nothing useful can be done about it.
	if err := a.log.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		_ = err
	}
}

// need validates the sections a command depends on beyond the common keys.
func (a *app) need(s ...Section) error { return a.cfg.Validate(s...) }
