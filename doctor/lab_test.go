package doctor

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim/lab"
)

// On the real Asterisk loaded with asterisk-conf and the prompts, nothing doctor checks over ARI fails: Asterisk
// 22 does not evaluate dialplan functions in GET /asterisk/variable, so the routes are a warning that says how to
// check them by hand, never "extension 165 does not exist" for a dialplan that has it.
func TestDoctorOnTheLabAsteriskFailsNothingAndSaysHowToCheckTheRoutesByHand(t *testing.T) {
	tg := lab.Require(t)
	lab.Lock(t, tg)
	a := ARI{URL: tg.ARIURL, User: tg.User, Password: tg.Password, App: "vika-doctor-test"}
	checks := ARIChecks(a, []Route{{"from-mobile", "165"}, {"from-landline", "021165"}}, "id")
	var out strings.Builder
	if failed := Run(context.Background(), &out, 10*time.Second, checks); failed > 0 {
		t.Errorf("%d checks failed against the lab Asterisk:\n%s", failed, out.String())
	}
	for _, want := range []string{"ok    ari ", "Asterisk 22", "ok    prompts ", "dialplan show 165@from-mobile"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out.String())
		}
	}
}
