// Package calllog owns the shape of a call's timeline: the Event the IVR emits at each step of a call, the Kind
// of step, the names of the fields each kind carries, and the Sink interface the IVR writes to. It knows nothing
// about where events are stored (the store package implements Sink) and never sees a full NIK, card or phone
// number: identities arrive masked and hashed.
package calllog

import "time"

// Event is one step of one call. Seq orders the events of a call (the IVR numbers them from 1); At is when the step
// happened, not when it was written.
type Event struct {
	CallID string
	Seq    int
	At     time.Time
	Kind   Kind
	Fields map[string]any
}

// Kind names a step of a call.
type Kind string

const (
	KindArrival  Kind = "arrival"  // entry, caller (raw; the sink masks and hashes it), node
	KindPrompt   Kind = "prompt"   // id, started, ended, cut
	KindKey      Kind = "key"      // digit
	KindMenu     Kind = "menu"     // menu, choice
	KindIdentity Kind = "identity" // kind, masked, hash
	KindLookup   Kind = "lookup"   // outcome, latency_ms
	KindTransfer Kind = "transfer" // reason
	KindHangup   Kind = "hangup"   // cause, by
	KindEnd      Kind = "end"      // duration_ms, outcome
)

// Field names used in Event.Fields. The sink reads some of them into columns a supervisor searches on.
const (
	FieldEntry        = "entry"         // arrival: "mobile" (165) or "landline" (021165)
	FieldCaller       = "caller"        // arrival: the caller's number; a sink must mask and hash it, never store it
	FieldCallerMasked = "caller_masked" // arrival: set by whoever masks the caller number
	FieldCallerHash   = "caller_hash"   // arrival: keyed hash of the caller number
	FieldNode         = "node"          // arrival: which Asterisk node carried the call
	FieldID           = "id"            // prompt: prompt id
	FieldStarted      = "started"       // prompt: playback start
	FieldEnded        = "ended"         // prompt: playback end
	FieldCut          = "cut"           // prompt: stopped by a key (barge-in) or hang-up
	FieldDigit        = "digit"         // key: "0"-"9", "*", "#"
	FieldMenu         = "menu"          // menu: menu id
	FieldChoice       = "choice"        // menu: the choice taken
	FieldKind         = "kind"          // identity: "nik", "card" or "unknown"
	FieldMasked       = "masked"        // identity: jkn.Mask of the number
	FieldHash         = "hash"          // identity: jkn.HashID of the number
	FieldOutcome      = "outcome"       // lookup: found, not_found, error, timeout; end: the call's outcome
	FieldLatencyMS    = "latency_ms"    // lookup
	FieldReason       = "reason"        // transfer; hangup: why the system ended the call (shutdown, channel_vanished, ari_error)
	FieldCause        = "cause"         // hangup: Asterisk hang-up cause
	FieldBy           = "by"            // hangup: "caller", "system", "asterisk" (a restart) or "unknown" (the channel vanished)
	FieldDurationMS   = "duration_ms"   // end
)

// Sink receives call events. Record must never block the call: an implementation buffers, and under pressure it
// drops (and counts) rather than waits.
type Sink interface {
	Record(Event)
}

// Discard is a Sink that drops every event, for tools and tests that do not keep a call log.
var Discard Sink = discard{}

type discard struct{}

func (discard) Record(Event) {}
