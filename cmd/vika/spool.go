package main

import (
	"os"
	"path/filepath"
)

// defaultSpool is where call-log events wait while PostgreSQL is unreachable, unless calllog.spool says otherwise:
// the user's state directory, which survives a reboot (a temporary directory may not).
func defaultSpool() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "vika", "spool")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "vika", "spool")
	}
	return filepath.Join(os.TempDir(), "vika-spool")
}

// openSpool makes the spool directory and returns the spill file's path; "off" turns the spool off (events the
// database cannot take in time are then lost, and counted).
func openSpool(c CallLogConfig) (string, error) {
	if c.Spool == "" || c.Spool == "off" {
		return "", nil
	}
	if err := os.MkdirAll(c.Spool, 0o700); err != nil {
		return "", badKey("calllog.spool", "cannot create %s: %v (set another directory, or off)", c.Spool, err)
	}
	if c.SpoolMaxMB < 1 {
		return "", badKey("calllog.spool_max_mb", "%d is out of range (expected at least 1)", c.SpoolMaxMB)
	}
	return filepath.Join(c.Spool, "calllog-spill.jsonl"), nil
}
