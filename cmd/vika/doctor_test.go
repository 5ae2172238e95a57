package main

import (
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store/storetest"
)

func TestDoctorPassesAgainstTheSimulatorWithAMigratedSeededDatabase(t *testing.T) {
	st := storetest.NewDB(t)
	storetest.Seed(t, st, time.Now(), storetest.Participant{Birth: storetest.Birth(1984, 4, 4),
		Segment: jkn.SegmentPBPU, Status: jkn.StatusActive, MonthlyDue: 35000})
	_, ac := startSim(t, soundsWithout(t))
	out, err := runVika(t, map[string]string{"DATABASE_URL": storetest.URL(t, st), "VIKA_ARI_PASSWORD": ac.Password,
		"VIKA_CALLLOG_HASH_KEY": "0123456789abcdef0123456789abcdef"}, "doctor", "--ari-url", ac.URL)
	if err != nil {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	for _, want := range []string{"ok    database ", "1 participants", "ok    ari ", "ok    ari app ", "ok    prompts ",
		"ok    hash key ", "ok    clock ", "Asia/Jakarta"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	// The simulator does not evaluate dialplan functions: doctor says so and how to check by hand, without failing.
	if !strings.Contains(out, "warn  dialplan 165 ") || !strings.Contains(out, "dialplan show 165@from-mobile") {
		t.Errorf("doctor should say the dialplan cannot be read from the simulator:\n%s", out)
	}
}

func TestDoctorNamesEachFaultOfABrokenSetupAndWhatToDo(t *testing.T) {
	st := storetest.NewDB(t)
	empty := storetest.URL(t, st)
	_, ac := startSim(t, soundsWithout(t, "main-menu"))
	cases := []struct {
		name      string
		env       map[string]string
		args      []string
		wantLines []string
	}{
		{"wrong ARI password, empty database, no hash key",
			map[string]string{"DATABASE_URL": empty, "VIKA_ARI_PASSWORD": "wrong", "VIKA_CALLLOG_HASH_KEY": ""},
			[]string{"--ari-url", ac.URL},
			[]string{"warn  database ", "0 participants", "fix: load the participants",
				"FAIL  ari ", "rejects user \"vika\" (401)", "fix: make ari.user and VIKA_ARI_PASSWORD match",
				"FAIL  hash key ", "fix: set VIKA_CALLLOG_HASH_KEY"}},
		{"a prompt missing from Asterisk's sounds, a database that does not exist",
			map[string]string{"DATABASE_URL": strings.Replace(empty, "/vika_test_", "/no_such_db_", 1), "VIKA_ARI_PASSWORD": ac.Password,
				"VIKA_CALLLOG_HASH_KEY": "0123456789abcdef0123456789abcdef"},
			[]string{"--ari-url", ac.URL},
			[]string{"FAIL  database ", "the database does not exist", "FAIL  prompts ", "lacks 1 of", "(first: main-menu)",
				"fix: make install"}},
		{"no Asterisk at all",
			map[string]string{"DATABASE_URL": empty, "VIKA_ARI_PASSWORD": "x", "VIKA_CALLLOG_HASH_KEY": "0123456789abcdef0123456789abcdef"},
			[]string{"--ari-url", "http://127.0.0.1:1/ari"},
			[]string{"FAIL  ari ", "connection refused", "fix: start Asterisk", "not checked: ARI not reachable"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := runVika(t, c.env, append([]string{"doctor"}, c.args...)...)
			if err == nil {
				t.Errorf("doctor exited 0 on a broken setup:\n%s", out)
			}
			for _, want := range c.wantLines {
				if !strings.Contains(out, want) {
					t.Errorf("doctor output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "wrong") || (c.env["VIKA_CALLLOG_HASH_KEY"] != "" && strings.Contains(out, c.env["VIKA_CALLLOG_HASH_KEY"])) {
				t.Errorf("doctor printed a secret:\n%s", out)
			}
		})
	}
}
