package ivr

import (
	"strings"
	"testing"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/vika-jkn/vika/dialplan"
)

// FuzzCollector feeds the DTMF collector any keys, one at a time as Asterisk reports them, with any entry rules,
// and holds it to a model of what a caller's keys mean: # ends the entry (and is never part of it), * starts it
// again, it ends by itself at MaxDigits, and it never takes a key after it ended. A key is a digit, *, #, or A-D.
//
//	go test -run '^$' -fuzz '^FuzzCollector$' -fuzztime 30s ./ivr
func FuzzCollector(f *testing.F) {
	f.Add("3174011708850001", uint8(16), true, true)
	f.Add("0001000000001#", uint8(16), true, true)
	f.Add("12*34#", uint8(16), true, true)
	f.Add("#", uint8(16), true, true)
	f.Add("9", uint8(1), false, false)
	f.Add("*#*#1A", uint8(8), true, false)
	f.Add("17081985#", uint8(8), true, true)
	f.Fuzz(func(t *testing.T, keys string, maxDigits uint8, terminator, clear bool) {
		c := Collect{MaxDigits: int(maxDigits % 20), Terminator: terminator, Clear: clear}
		var digits []byte
		var model []byte
		for i := 0; i < len(keys); i++ {
			k := keys[i : i+1]
			if !strings.Contains("0123456789*#ABCD", k) {
				continue // Asterisk reports no other key
			}
			res, done := c.feed(&digits, k)
			switch {
			case k == "#" && terminator:
				want := Complete
				if len(model) == 0 {
					want = Incomplete
				}
				if !done || !res.Terminated || res.Status != want || res.Digits != string(model) {
					t.Fatalf("keys %q: # gave %+v (done %v), want %v %q terminated", keys[:i+1], res, done, want, model)
				}
				return
			case k == "*" && clear:
				model = model[:0]
				if done {
					t.Fatalf("keys %q: * ended the entry", keys[:i+1])
				}
				continue
			}
			model = append(model, k...)
			full := c.MaxDigits > 0 && len(model) >= c.MaxDigits
			if done != full {
				t.Fatalf("keys %q, max %d: done %v after %d keys", keys[:i+1], c.MaxDigits, done, len(model))
			}
			if done {
				if res.Status != Complete || res.Digits != string(model) || res.Terminated {
					t.Fatalf("keys %q: %+v, want complete %q", keys[:i+1], res, model)
				}
				return
			}
		}
		if string(digits) != string(model) {
			t.Fatalf("keys %q: %q held, want %q", keys, digits, model)
		}
	})
}

// FuzzParseBirthDate holds the birth-date question to its rule for any keys: eight digits forming a calendar date
// from 1900 up to today, read back as the same eight digits.
//
//	go test -run '^$' -fuzz '^FuzzParseBirthDate$' -fuzztime 30s ./ivr
func FuzzParseBirthDate(f *testing.F) {
	for _, s := range []string{"17081985", "29021992", "29021993", "31042000", "00012000", "01132000", "24112026",
		"23112026", "01011899", "01011900", "1708198", "170819855", "1708198A", "", "-1081985", "+7081985"} {
		f.Add(s)
	}
	today := time.Date(2026, 11, 23, 10, 0, 0, 0, wib)
	f.Fuzz(func(t *testing.T, keys string) {
		d, ok := ParseBirthDate(keys, today)
		if !ok {
			return
		}
		if len(keys) != 8 || strings.Trim(keys, "0123456789") != "" {
			t.Fatalf("ParseBirthDate accepted %q", keys)
		}
		if d.Format("02012006") != keys || d.Year() < 1900 || d.After(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("ParseBirthDate(%q) = %s", keys, d)
		}
	})
}

// FuzzARIEvent decodes any message the ARI WebSocket could carry, as the App's client does, and routes what decodes
// as the App would: to the channel it names, and for a StasisStart to the flow's entry its argument names (an
// unknown one gets the default entry). Nothing Asterisk or a man in the middle sends may panic the App: one panic
// takes every call of the process with it.
//
//	go test -run '^$' -fuzz '^FuzzARIEvent$' -fuzztime 30s ./ivr
func FuzzARIEvent(f *testing.F) {
	for _, s := range []string{
		`{"type":"StasisStart","timestamp":"2026-11-22T19:05:11.056+0000","args":["mobile"],"channel":{"id":"1795374311.49","name":"Local/165@from-mobile-00000018;2","state":"Ring","caller":{"name":"Peserta JKN","number":"081234567890"},"dialplan":{"context":"from-mobile","exten":"165","priority":2,"app_name":"Stasis","app_data":"vika,mobile"},"language":"en"},"asterisk_id":"02:fc:00:00:00:01","application":"vika"}`,
		`{"type":"StasisStart","args":[],"channel":{"id":"x"},"application":"vika"}`,
		`{"type":"ChannelDtmfReceived","digit":"5","duration_ms":100,"channel":{"id":"1795374311.49"},"application":"vika"}`,
		`{"type":"PlaybackFinished","playback":{"id":"p","media_uri":"sound:vika/welcome","target_uri":"channel:1795374311.49","state":"done"},"application":"vika"}`,
		`{"type":"PlaybackStarted","playback":{"target_uri":"bridge:b"}}`,
		`{"type":"ChannelHangupRequest","cause":16,"soft":true,"channel":{"id":"c"}}`,
		`{"type":"ChannelDestroyed","cause":0,"cause_txt":"Unknown","channel":{"id":"c"}}`,
		`{"type":"StasisEnd","channel":null}`,
		`{"type":"NoSuchEvent"}`, `{}`, `null`, `[]`, `{"type":`, "",
	} {
		f.Add([]byte(s))
	}
	flow, err := dialplan.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		e, err := ari.DecodeEvent(msg)
		if err != nil || e == nil {
			return
		}
		_ = eventChannel(e)
		if start, ok := e.(*ari.StasisStart); ok {
			var arg string
			if len(start.Args) > 0 {
				arg = start.Args[0]
			}
			_, name, _ := flow.Entry(arg)
			if name == "" {
				t.Fatalf("StasisStart with argument %q has no entry", arg)
			}
			_ = start.Channel.Caller.GetNumber()
			_ = start.Key(ari.ChannelKey, start.Channel.ID)
		}
	})
}
