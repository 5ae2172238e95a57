package main

import (
	"strings"
	"testing"

	"github.com/vika-jkn/vika/store/storetest"
)

// A database that is not there is one line of error, naming the step once, so that the cause (the database does
// not exist) is what the eye lands on.
func TestADatabaseThatIsNotThereIsOneLineNamingMigrateOnce(t *testing.T) {
	url := strings.Replace(storetest.URL(t, storetest.NewDB(t)), "/vika_test_", "/no_such_db_", 1)
	out, err := runVika(t, map[string]string{"DATABASE_URL": url}, "migrate")
	if err == nil {
		t.Fatalf("migrate into a database that does not exist succeeded:\n%s", out)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || strings.Count(msg, "migrate") != 1 || !strings.Contains(msg, "does not exist") {
		t.Errorf("error %q: want one line, \"migrate\" once, and the cause", msg)
	}
}

// prompts check takes the Asterisk to ask as a flag, as serve and doctor do.
func TestPromptsCheckAsksTheAsteriskGivenByAriURL(t *testing.T) {
	_, ac := startSim(t, soundsWithout(t, "goodbye"))
	out, err := runVika(t, map[string]string{"VIKA_ARI_PASSWORD": ac.Password}, "prompts", "check", "--ari-url", ac.URL)
	if err == nil || !strings.Contains(out, "missing: sound:vika/goodbye") || !strings.Contains(err.Error(), ac.URL) {
		t.Fatalf("prompts check --ari-url %s: %v\n%s\nwant goodbye listed missing at that URL", ac.URL, err, out)
	}
}
