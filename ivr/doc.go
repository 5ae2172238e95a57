// Package ivr owns one call's life on the VIKA line: a session per channel that enters the Stasis application,
// driven by ARI events; the collector that plays prompts while gathering keys (barge-in, type-ahead, timeouts);
// the identity and birth-date checks, the look-up, the Indonesian readouts and the agent transfer, all following
// the flow that package dialplan describes.
//
// It depends on the ari.Client interface only, so the same code drives a real Asterisk and the simulated one. It
// must not know about SQL or the store: look-ups go through the Directory interface declared here, the call log
// through calllog.Sink, and cmd/vika wires the concrete ones in. It never logs, records or returns a full NIK, card
// number or phone number: identities leave a session masked (jkn.Mask) and as a keyed hash (jkn.HashID).
package ivr
