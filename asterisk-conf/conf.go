// Package asteriskconf is VIKA's configuration for a real Asterisk 20/22: the files an operator copies to
// /etc/asterisk (see README.md). They are embedded so that the simulated Asterisk and the tools route and
// check with the very files that are installed, not a copy of them.
//
// It owns the files and nothing else; their lint is conf_test.go, and extensions.conf is read by
// asterisksim/extconf.
package asteriskconf

import "embed"

// FS holds every *.conf of this directory.
//
//go:embed *.conf
var FS embed.FS

// Extensions is the dialplan's name in FS.
const Extensions = "extensions.conf"
