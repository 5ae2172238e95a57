package main

import (
	"fmt"
	"os"

	asteriskconf "github.com/vika-jkn/vika/asterisk-conf"
	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/extconf"
	"github.com/vika-jkn/vika/prompts"
)

// Default paths of sim.extensions and prompts.dir, relative to the repository root.
const (
	defaultExtensions = "asterisk-conf/extensions.conf"
	defaultSounds     = prompts.SoundsDir
)

// simFiles fills the simulator's dialplan and sounds from the configuration. When a path is the default and does
// not exist (the binary runs outside a checkout), the copies built into the binary are used, so `vika demo` and
// `vika sim` work anywhere; a path the user set must exist.
func simFiles(c Config, opts *asterisksim.Options) (cleanup func(), err error) {
	cleanup = func() {}
	if _, err := os.Stat(c.Sim.Extensions); err == nil || c.Sim.Extensions != defaultExtensions {
		opts.Extensions = c.Sim.Extensions
	} else {
		dp, err := extconf.ParseFS(asteriskconf.FS, asteriskconf.Extensions)
		if err != nil {
			return cleanup, fmt.Errorf("built-in extensions.conf: %w", err)
		}
		opts.Router = dp
	}
	if _, err := os.Stat(c.Prompts.Dir); err == nil || c.Prompts.Dir != defaultSounds {
		opts.Sounds = c.Prompts.Dir
		return cleanup, nil
	}
	dir, err := os.MkdirTemp("", "vika-sounds-")
	if err != nil {
		return cleanup, err
	}
	if err := os.CopyFS(dir, prompts.Sounds()); err != nil {
		os.RemoveAll(dir)
		return cleanup, fmt.Errorf("built-in prompts: %w", err)
	}
	opts.Sounds = dir
	return func() { os.RemoveAll(dir) }, nil
}
