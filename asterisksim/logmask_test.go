package asterisksim_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
)

func TestTheRequestLogShowsNoCallerNumberNIKOrBirthDate(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines []string
	sim := traceSim(t, func(o *asterisksim.Options) {
		o.Logf = func(format string, args ...any) {
			mu.Lock()
			lines = append(lines, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
	})
	const caller, nik, birth = "0811223344", "3174051208900001", "14031987"
	vika := dialApp(t, sim, "vika")
	st, _ := ariCall(t, sim, "POST", "/channels", url.Values{"endpoint": {"Local/165@from-mobile"}, "app": {"driver"},
		"callerId": {caller}})
	if st != 200 {
		t.Fatalf("originate: %d", st)
	}
	line := chanID(vika.next(time.Second, "StasisStart"))
	ariCall(t, sim, "POST", "/channels/"+line+"/dtmf", url.Values{"dtmf": {nik + "#"}})
	ariCall(t, sim, "POST", "/channels/"+line+"/dtmf", url.Values{"dtmf": {birth}})
	ariCall(t, sim, "POST", "/channels/"+line+"/variable", url.Values{"variable": {"X"}, "value": {"nik " + nik}})

	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(lines, "\n")
	if !strings.Contains(all, "/dtmf") || !strings.Contains(all, "callerId=") {
		t.Fatalf("the log lacks the requests it must mask, so this test would prove nothing:\n%s", all)
	}
	for _, secret := range []string{caller, nik, birth} {
		for i := 0; i+6 <= len(secret); i++ {
			if strings.Contains(all, secret[i:i+6]) {
				t.Errorf("the request log holds %s, 6 digits of %s:\n%s", secret[i:i+6], secret, all)
				break
			}
		}
	}
}
