package sipphone_test

import (
	"context"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim/lab"
	"github.com/vika-jkn/vika/asterisksim/sipphone"
	"github.com/vika-jkn/vika/store/storetest"
)

// realVika is the node with VIKA taking its calls, and the options of a carrier calling it.
func realVika(t *testing.T) (sipphone.Options, *testDB) {
	t.Helper()
	tg := lab.RequireSIP(t)
	db := storetest.NewDB(t)
	lab.Lock(t, tg)
	serveVika(t, tg, storetest.URL(t, db))
	return sipphone.Options{Addr: tg.SIPAddr, Timeout: 40 * time.Second, Prompts: nodePrompts(t, tg)}, &testDB{db}
}

func TestAMobileCallerOverSIPHearsWelcomeThenTheMainMenuFromTheMedia(t *testing.T) {
	opts, _ := realVika(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	call, err := sipphone.Dial(ctx, opts, "165", "081234567890")
	if err != nil {
		t.Fatal(err)
	}
	defer call.Hangup(context.Background())
	w, err := call.WaitPrompt(ctx, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	m, err := call.WaitPrompt(ctx, "main-menu")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("welcome %v, main-menu %v", w, m)
	time.Sleep(3 * time.Second)
	if err := call.Press(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := call.WaitPrompt(ctx, "enter-id"); err != nil {
		t.Fatal(err)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	tr := call.Transcript()
	t.Logf("%s", tr.String())
}
