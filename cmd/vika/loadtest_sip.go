package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/vika-jkn/vika/asterisksim/sipphone"
)

// sipDefaults checks --sip: the calls go through a real Asterisk, so the app must attach to that Asterisk's ARI
// (--ari-url) and everything runs in real time.
func (o *loadOptions) sipDefaults() error {
	if o.sipAddr == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(o.sipAddr); err != nil {
		return fmt.Errorf("--sip %q: want HOST:PORT of Asterisk's PJSIP UDP transport: %w", o.sipAddr, err)
	}
	if o.attachURL == "" {
		return errors.New("--sip needs --ari-url of the same Asterisk: the app answers there the calls the SIP callers place")
	}
	o.speed = 1 // a real Asterisk plays prompts in real time; the per-call deadline follows
	return nil
}

// sipDialer places each call as a carrier would: INVITE 165 from 127.0.0.1 (mobile trunk) or 021165 from
// 127.0.0.2 (landline trunk), keys as RFC 4733 events, what is heard recognised from the RTP received.
func sipDialer(addr string) loadDialer {
	// A bill readout in real time runs past phone's 30 s wait; the call's own deadline (oneLoadCall) bounds it.
	opts := sipphone.Options{Addr: addr, Timeout: 3 * time.Minute}
	return func(ctx context.Context, number, caller string) (loadCall, error) {
		c, err := sipphone.Dial(ctx, opts, number, caller)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
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
