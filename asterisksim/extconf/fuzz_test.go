package extconf

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// FuzzParse feeds the parser arbitrary extensions.conf text, and walks every extension it accepts from each of its
// priorities, in every context, as a dialled call and as a return from Stasis. Neither may panic or run on: the
// simulator routes every test call with this code, so a file that breaks it breaks them all. An accepted file must
// also keep what it promised: every priority is numbered from 1 and found again by number.
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 30s ./asterisksim/extconf
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"[from-mobile]\nexten => 165,1,NoOp()\n same => n,Stasis(vika,mobile)\n same => n,GotoIf($[\"${STASISSTATUS}\"=\"FAILED\"]?vika-fallback,s,1)\n same => n,Hangup()\n[vika-fallback]\nexten => s,1,Answer()\n same => n,Playback(vika/service-unavailable)\n same => n,Goto(agents,s,1)\n[agents]\nexten => s,1,Queue(care-center,t,,,600)\n same => n(lab),Wait(30)\n",
		"[globals]\nVIKA_AGENTS=queue\n[a]\nexten => _0XX!,1,Set(X=${EXTEN:1})\n same => n,GotoIf($[${X} > 5]?b,s,1:c,s,1)\ninclude => b\n[b]\nexten => s,1,Goto(a,s,1)\n",
		"#include \"missing.conf\"\n",
		"[general]\nstatic=yes\n[a]\nexten => s,1(start),NoOp\nexten => s,2,Goto(start)\nexten => s,n,Hangup\n",
		"[a]\nexten => 1,1,Set(A=${IF($[1=1]?x:y)})\n same => n,Stasis(vika,\"a,b\")\n",
		"[a]\nexten => s,1,Goto(a,s,1)\n",
		"exten => 1,1,NoOp\n",
		"[a]\nexten => 1,0,NoOp\nexten => 1,x,NoOp\nexten => ,1,NoOp\n same => n\n",
		"[a]\n;comment\nexten => 1,1,NoOp(${${${A}}})\n same => n,GotoIf($[${LEN(${B})}=0]?:)\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, conf string) {
		fsys := fstest.MapFS{"extensions.conf": {Data: []byte(conf)}}
		d, err := ParseFS(fsys, "extensions.conf")
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error that says nothing")
			}
			return
		}
		deadline := time.Now().Add(5 * time.Second)
		for name, c := range d.Contexts {
			if name != c.Name {
				t.Fatalf("context %q filed under %q", c.Name, name)
			}
			for _, e := range c.Extens {
				for _, p := range e.Priorities {
					if p.Number < 1 {
						t.Fatalf("%s: priority %d of %s@%s", p.Pos, p.Number, e.Name, name)
					}
					if got, ok := e.Priority(p.Number); !ok || got.Number != p.Number {
						t.Fatalf("%s: priority %d of %s@%s not found by number", p.Pos, p.Number, e.Name, name)
					}
					exten := strings.TrimPrefix(e.Name, "_")
					r, err := d.Walk(name, exten, p.Number, map[string]string{"CALLERID(num)": "0811111111"})
					if err == nil && len(r.Steps) > maxSteps {
						t.Fatalf("a walk of %d steps, past the %d cap", len(r.Steps), maxSteps)
					}
					if s, ok := r.Stasis(); ok {
						_, _ = d.AfterStasis(s, "FAILED", nil)
					}
					if time.Now().After(deadline) {
						t.Fatal("walking the accepted file's extensions takes more than 5 s")
					}
				}
			}
		}
	})
}
