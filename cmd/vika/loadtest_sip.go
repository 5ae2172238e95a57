package main

import (
	"errors"
	"fmt"

	"github.com/vika-jkn/vika/loadtest"
)

// sipDefaults checks --sip: the calls go through a real Asterisk, so the app must attach to that Asterisk's ARI
// (--ari-url) and everything runs in real time.
func (o *loadOptions) sipDefaults() error {
	if o.sipAddr == "" {
		return nil
	}
	addrs, err := sipTargets(o.sipAddr) // loadtest_nodes.go
	if err != nil {
		return err
	}
	if err := o.checkSpread(addrs); err != nil {
		return err
	}
	if o.attachURL == "" {
		return errors.New("--sip needs --ari-url of the same Asterisk: the app answers there the calls the SIP callers place")
	}
	o.speed = 1 // a real Asterisk plays prompts in real time; the per-call deadline follows
	return nil
}

// sipDialer places each call as a carrier would: INVITE 165 from 127.0.0.1 (mobile trunk) or 021165 from
// 127.0.0.2 (landline trunk), keys as RFC 4733 events, what is heard recognised from the RTP received.
// Several addresses (comma-separated) spread the calls over them: loadtest_nodes.go.
func sipDialer(addr string) loadtest.Dialer {
	addrs, _ := sipTargets(addr) // checked by sipDefaults
	return spreadDialer(addrs)
}

// transport says how the calls were placed, for the report's first line.
func (o loadOptions) transport() string {
	switch {
	case o.sipAddr != "":
		return fmt.Sprintf("over SIP to %s (ARI %s), real time", o.sipAddr, o.attachURL)
	case o.attachURL != "":
		return fmt.Sprintf("over ARI to %s, speed %gx", o.attachURL, o.speed)
	default:
		return fmt.Sprintf("simulator speed %gx", o.speed)
	}
}

// inProcess says what the memory figures cover.
func (o loadOptions) inProcess() string {
	switch {
	case o.sipAddr != "":
		return "app + SIP callers"
	case o.attachURL != "":
		return "app + callers"
	default:
		return "simulator + app + callers"
	}
}
