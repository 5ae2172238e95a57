package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vika-jkn/vika/asterisksim/sipphone"
	"github.com/vika-jkn/vika/loadtest"
)

// sipTargets splits --sip into its addresses: one (an Asterisk node, or a Kamailio in front of several) or a
// comma-separated list of nodes the callers spread over themselves.
func sipTargets(flag string) ([]string, error) {
	var addrs []string
	for _, a := range strings.Split(flag, ",") {
		a = strings.TrimSpace(a)
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("--sip %q: want HOST:PORT of a PJSIP UDP transport (or several, comma-separated): %w", a, err)
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}

// checkSpread: callers spread over several nodes need the app on every node, which `vika serve` with ari.nodes
// gives; the in-process app attaches to --ari-url alone, so calls on the other nodes would find no app.
func (o loadOptions) checkSpread(addrs []string) error {
	if len(addrs) > 1 && !o.noApp {
		return errors.New("--sip with several nodes needs --no-app: run vika serve with ari.nodes listing them " +
			"(the in-process app drives --ari-url's node only)")
	}
	return nil
}

// spreadDialer places call i on node i mod n, as a dispatcher's round robin does, and when that node refuses the
// INVITE or does not answer it within a few seconds, on the next one: so a loadtest keeps going while a node is
// stopped, like callers behind Kamailio. One address: every call goes there.
func spreadDialer(addrs []string) loadtest.Dialer {
	var next atomic.Uint64
	return func(ctx context.Context, number, caller string) (loadtest.Call, error) {
		first := int(next.Add(1)-1) % len(addrs)
		var errs []error
		for i := range addrs {
			addr := addrs[(first+i)%len(addrs)]
			// A bill readout in real time runs past phone's 30 s wait; the call's own deadline (oneLoadCall) bounds it.
			opts := sipphone.Options{Addr: addr, Timeout: 3 * time.Minute}
			dctx, cancel := ctx, context.CancelFunc(func() {})
			if len(addrs) > 1 {
				dctx, cancel = context.WithTimeout(ctx, 5*time.Second) // the dial only: a dead node, then the next
			}
			c, err := sipphone.Dial(dctx, opts, number, caller)
			cancel()
			if err == nil {
				return c, nil
			}
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
			if ctx.Err() != nil {
				break
			}
		}
		return nil, errors.Join(errs...)
	}
}
