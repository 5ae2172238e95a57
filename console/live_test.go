package console

import (
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/store"
)

func TestTheLivePageNamesTheStageOfTheFlowACallIsIn(t *testing.T) {
	t.Parallel()
	prompt := func(id string) store.LiveStep { return store.LiveStep{Kind: "prompt", Prompt: id} }
	menu := func(m, c string) store.LiveStep { return store.LiveStep{Kind: "menu", Menu: m, Choice: c} }
	// Steps are newest first, keys left out, as store.LiveCalls gives them.
	for _, tc := range []struct {
		name  string
		steps []store.LiveStep
		want  string
	}{
		{"a call with nothing logged yet is arriving", nil, "arriving"},
		{"a call hearing the greeting is at the menu", []store.LiveStep{{Kind: "arrival"}}, "menu"},
		{"a caller who heard the main menu out is at the menu", []store.LiveStep{prompt("main-menu"), prompt("welcome")}, "menu"},
		{"a caller who pressed 2 is keying their number", []store.LiveStep{menu("main", "2"), prompt("main-menu")}, "number"},
		{"a caller who heard enter-id is keying their number", []store.LiveStep{prompt("enter-id"), menu("main", "1")}, "number"},
		{"a caller told the number is too short is keying it again",
			[]store.LiveStep{{Kind: "identity"}, prompt("enter-id")}, "number"},
		{"a caller whose number was taken is keying their birth date",
			[]store.LiveStep{{Kind: "identity", Hashed: true}, prompt("enter-id")}, "birth date"},
		{"a caller who keyed the birth date waits for the look-up",
			[]store.LiveStep{menu("birthdate", "entered"), prompt("enter-birthdate")}, "look-up"},
		{"a caller hearing please-wait waits for the look-up", []store.LiveStep{prompt("please-wait")}, "look-up"},
		{"a caller hearing the numbers of a bill is in the readout",
			[]store.LiveStep{prompt("word-ribu"), prompt("num-3"), prompt("bill-this-month"), menu("readout", "lookup_bill"),
				{Kind: "lookup", Outcome: "found"}}, "readout"},
		{"a caller who heard the after-readout menu is at a menu", []store.LiveStep{prompt("after-readout-menu"), prompt("num-2")}, "menu"},
		{"a caller whose data did not match is asked for the number again",
			[]store.LiveStep{{Kind: "lookup", Outcome: "not_found"}, prompt("please-wait")}, "number"},
		{"a caller who pressed 0 is being transferred", []store.LiveStep{menu("main", "0")}, "transfer"},
		{"a caller handed to the agents is in transfer", []store.LiveStep{{Kind: "transfer"}, prompt("transfer-agent")}, "transfer"},
		{"a no-input prompt leaves the stage as it was", []store.LiveStep{prompt("no-input"), menu("birthdate", "no_input")}, "birth date"},
		{"a caller who failed the birth date three times hears goodbye",
			[]store.LiveStep{menu("birthdate", "on_fail:goodbye")}, "goodbye"},
	} {
		if got := where(store.LiveCall{Steps: tc.steps}); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestTheLivePageShowsACallInTheReadoutWithWhatItLastHeard(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.logCall(testCall{id: "live-1", entry: "mobile", caller: testCaller, nik: testNIK, at: time.Now().Add(-time.Minute)})
	sri := h.signIn("sri", supervisorPassword)
	r := h.do(request{method: "GET", path: "/live", cookie: sri})
	if r.StatusCode != 200 {
		t.Fatalf("live: %d", r.StatusCode)
	}
	if !strings.Contains(r.body, "<strong>readout</strong>") {
		t.Errorf("the Live page does not show the call in the readout:\n%s", r.body)
	}
}
