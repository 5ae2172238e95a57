package main

import (
	"strings"
	"testing"
)

func TestLoadtestSIPTargets(t *testing.T) {
	for _, tc := range []struct {
		name, sip string
		noApp     bool
		want      []string
		err       string // part of the error; empty: accepted
	}{
		{name: "one address is one node or a Kamailio, with the app in process", sip: "127.0.0.1:5090",
			want: []string{"127.0.0.1:5090"}},
		{name: "several nodes are accepted when vika serve takes the calls", sip: "127.0.0.1:5100, 127.0.0.1:5110",
			noApp: true, want: []string{"127.0.0.1:5100", "127.0.0.1:5110"}},
		{name: "several nodes with the in-process app are refused, naming --no-app", sip: "127.0.0.1:5100,127.0.0.1:5110",
			err: "--no-app"},
		{name: "an address without a port is refused, naming it", sip: "127.0.0.1:5100,127.0.0.1", noApp: true,
			err: `"127.0.0.1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := loadOptions{sipAddr: tc.sip, noApp: tc.noApp, attachURL: "http://127.0.0.1:8128/ari"}
			err := o.sipDefaults()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("sipDefaults(%q) = %v, want an error containing %s", tc.sip, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := sipTargets(tc.sip)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("targets %q, want %q", got, tc.want)
			}
		})
	}
}
