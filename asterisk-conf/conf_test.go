package asteriskconf_test

import (
	"bufio"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	asteriskconf "github.com/vika-jkn/vika/asterisk-conf"
	"github.com/vika-jkn/vika/asterisksim/extconf"
)

// These tests lint what an operator installs: a mistake here is a caller who reaches nobody, or a password
// on GitHub.

func dialplan(t *testing.T) *extconf.Dialplan {
	t.Helper()
	d, err := extconf.ParseFS(asteriskconf.FS, asteriskconf.Extensions)
	if err != nil {
		t.Fatalf("extensions.conf does not parse: %v", err)
	}
	return d
}

func TestBothEntriesHandTheCallToTheVikaAppWithTheirEntryName(t *testing.T) {
	t.Parallel()
	d := dialplan(t)
	cases := []struct{ context, exten, want string }{
		{"from-mobile", "165", "vika,mobile"},
		{"from-landline", "021165", "vika,landline"},
	}
	for _, tc := range cases {
		t.Run(tc.exten, func(t *testing.T) {
			t.Parallel()
			r, err := d.Route(tc.context, tc.exten)
			if err != nil {
				t.Fatalf("%s@%s: %v", tc.exten, tc.context, err)
			}
			s, ok := r.Stasis()
			if !ok || s.Data != tc.want {
				t.Fatalf("%s@%s reaches %v %q, want Stasis(%s)", tc.exten, tc.context, r.End, s.Data, tc.want)
			}
			if s.Priority != 2 {
				t.Errorf("Stasis at priority %d; the file promises 2 (apps and traces rely on it)", s.Priority)
			}
		})
	}
}

// What callers get when the app is not connected (service-unavailable, then the care-center queue, then a hang-up)
// is checked on this very file by asterisksim/extconf's
// TestProjectFallbackSaysTheServiceIsUnavailableAndQueuesForAnAgentWhenTheAppIsDown, next to the parser it relies on.

func TestTheAgentsContextThatTransfersContinueToExists(t *testing.T) {
	t.Parallel()
	r, err := dialplan(t).Walk("agents", "s", 1, nil)
	if err != nil {
		t.Fatalf("continue to agents,s,1 would hang the caller up: %v", err)
	}
	if len(r.Steps) == 0 {
		t.Fatal("agents,s,1 runs nothing")
	}
}

func TestEveryVikaSoundTheDialplanPlaysIsInThePromptCatalogue(t *testing.T) {
	t.Parallel()
	cat, err := os.ReadFile("../prompts/catalogue.yaml")
	if err != nil {
		t.Skip("no prompts/catalogue.yaml:", err)
	}
	d := dialplan(t)
	for _, c := range d.Contexts {
		for _, e := range c.Extens {
			for _, p := range e.Priorities {
				id, ok := strings.CutPrefix(p.Data, "vika/")
				if p.App != "Playback" || !ok {
					continue
				}
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(id) + `:`).Match(cat) {
					t.Errorf("%s plays vika/%s, which prompts/catalogue.yaml does not define", p.Pos, id)
				}
			}
		}
	}
}

// secretLine finds password= or secret= (also in comments: a commented password is still published).
var secretLine = regexp.MustCompile(`(?i)\b(password|secret)\s*=>?\s*(<[^>]*>|\S*)`)

func TestNoPasswordOrSecretIsCommitted(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(asteriskconf.FS, "*.conf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded files: %v", err)
	}
	for _, name := range files {
		f, err := asteriskconf.FS.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			for _, m := range secretLine.FindAllStringSubmatch(sc.Text(), -1) {
				if v := m[2]; v != "" && !(strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">")) {
					t.Errorf("%s:%d: %s has a value (%q); only <PLACEHOLDERS> may be committed", name, n, m[1], v)
				}
			}
		}
		f.Close()
	}
}

func TestTheSecretLintCatchesAPassword(t *testing.T) {
	t.Parallel()
	cases := []struct {
		line   string
		caught bool
	}{
		{"password=vika", true},
		{"secret => s3cr3t", true},
		{";password=hunter2 ; old", true},
		{"password=<the carrier's password>", false},
		{"password_format=plain", false},
		{"password=", false},
	}
	for _, tc := range cases {
		m := secretLine.FindStringSubmatch(tc.line)
		caught := m != nil && m[2] != "" && !strings.HasPrefix(m[2], "<")
		if caught != tc.caught {
			t.Errorf("%q caught=%v, want %v", tc.line, caught, tc.caught)
		}
	}
}

func TestARIListensOnLoopbackAndTakesThePasswordFromAFile(t *testing.T) {
	t.Parallel()
	checks := []struct{ file, want string }{
		{"http.conf", "\nbindaddr=127.0.0.1\n"},
		{"http.conf", "\nbindport=8088\n"},
		{"http.conf", "\n;tlsenable=yes"},
		{"ari.conf", "\n[vika]\ntype=user\n"},
		{"ari.conf", "\n#include \"ari-vika-password.conf\"\n"},
		{"asterisk.conf", "\ndefaultlanguage = id\n"},
		{"queues.conf", "\n[care-center]\n"},
		{"pjsip.conf", "\ncontext=from-mobile\n"},
		{"pjsip.conf", "\ncontext=from-landline\n"},
	}
	for _, c := range checks {
		b, err := fs.ReadFile(asteriskconf.FS, c.file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), c.want) {
			t.Errorf("%s lacks %q", c.file, strings.TrimSpace(c.want))
		}
	}
}

func TestModulesRequiredByARIAndTheDialplanAreRequired(t *testing.T) {
	t.Parallel()
	b, err := fs.ReadFile(asteriskconf.FS, "modules.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"res_ari.so", "res_stasis.so", "app_stasis.so", "res_ari_channels.so", "res_ari_events.so",
		"res_ari_playbacks.so", "res_http_websocket.so", "chan_pjsip.so", "app_queue.so", "format_wav.so", "format_sln.so",
		"format_pcm.so", "pbx_config.so"} {
		if !regexp.MustCompile(`(?m)^require => ` + regexp.QuoteMeta(m)).Match(b) {
			t.Errorf("modules.conf does not require %s", m)
		}
	}
}
