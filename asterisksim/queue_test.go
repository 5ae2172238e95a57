package asterisksim_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
)

// With no agent logged in, Asterisk's Queue() returns at once (joinempty) and the caller hears what the
// dialplan says next; it must not hold the caller in silence forever.
func TestCallerQueuedWithNoAgentsGetsJoinEmptyAndTheDialplanGoesOn(t *testing.T) {
	sim := asterisksim.Start(t, asterisksim.Options{Extensions: "../asterisk-conf/extensions.conf", Speed: 20})
	driver := dialApp(t, sim, "driver")
	st, _ := ariCall(t, sim, "POST", "/channels", url.Values{"endpoint": {"Local/s@agents"}, "app": {"driver"}})
	if st != 200 {
		t.Fatalf("originate: %d", st)
	}
	var vars []string
	for {
		ev := driver.next(2*time.Second, "ChannelVarset", "ChannelDialplan")
		if ev["type"] == "ChannelVarset" {
			vars = append(vars, ev["variable"].(string)+"="+ev["value"].(string))
			continue
		}
		if ev["dialplan_app"] == "NoOp" && ev["dialplan_app_data"] == "Queue ended: QUEUESTATUS=JOINEMPTY" {
			break
		}
	}
	want := []string{"ANSWEREDTIME=", "ANSWEREDTIME_MS=", "DIALEDTIME=", "DIALEDTIME_MS=", "QUEUEWAIT=", "QUEUEWAIT_MS=", "QUEUESTATUS=JOINEMPTY"}
	if len(vars) < len(want) || !equal(vars[len(vars)-len(want):], want) {
		t.Errorf("variables set around Queue(): %v, want them to end with %v (as on the lab Asterisk)", vars, want)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
