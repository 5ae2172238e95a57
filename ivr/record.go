package ivr

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/vika-jkn/vika/calllog"
)

// recorder numbers a call's events and hands them to the call-log sink (which never blocks).
//
// Keys a menu takes are logged as typed, so a supervisor sees which choice a caller made. But a caller who keys a
// NIK at a menu (before choosing 1, or instead of answering) would leave it there digit by digit, next to the
// masked identity that fills in the rest. So a digit is held back until it is known to be a lone menu choice: a
// menu took it, and a prompt began before the next digit. Anything else is logged as "x": a digit no menu took, a
// digit with another right behind it, and every digit of a run (digits with no whole prompt between them). The
// events recorded while a digit is held wait with it, so the sink still gets a call's events in order.
type recorder struct {
	sink   calllog.Sink
	callID string
	seq    int
	clock  func() time.Time

	held      []calllog.Event // held[0] is a digit key logged as typed if it proves a lone choice; then what followed it
	confirmed bool            // a menu took held[0] as its choice
	inRun     bool            // no whole prompt since the last digit key: the next digit extends its run
}

func (r *recorder) record(kind calllog.Kind, fields map[string]any) {
	r.recordAt(r.clock(), kind, fields)
}

func (r *recorder) recordAt(at time.Time, kind calllog.Kind, fields map[string]any) {
	r.seq++
	e := calllog.Event{CallID: r.callID, Seq: r.seq, At: at, Kind: kind, Fields: fields}
	switch {
	case isDigitKey(e):
		if len(r.held) > 0 { // two digits with no prompt between them: neither is a lone choice
			r.release(false)
		}
		if r.inRun {
			e.Fields = maskedDigit(e.Fields)
		}
		r.inRun = true
		if e.Fields[calllog.FieldDigit] != "x" {
			r.held, r.confirmed = []calllog.Event{e}, false
			return
		}
		r.sink.Record(e)
	case kind == calllog.KindMenu:
		if len(r.held) > 0 && !r.confirmed {
			if fields[calllog.FieldChoice] == r.held[0].Fields[calllog.FieldDigit] {
				r.confirmed = true
			} else {
				r.release(false) // the menu did not take it ("invalid"): a stray digit, maybe of a NIK
			}
		}
		r.hold(e)
	case kind == calllog.KindPrompt:
		if fields[calllog.FieldCut] == false {
			r.inRun = false // the caller heard a question out: the next digit answers it, it does not continue a run
		}
		r.release(r.confirmed)
		r.hold(e)
	case kind == calllog.KindEnd:
		r.release(r.confirmed)
		r.sink.Record(e)
	default:
		r.hold(e)
	}
}

// release sends the held digit, as typed or masked, and the events that waited behind it.
func (r *recorder) release(asTyped bool) {
	if len(r.held) == 0 {
		return
	}
	if !asTyped {
		r.held[0].Fields = maskedDigit(r.held[0].Fields)
	}
	for _, e := range r.held {
		r.sink.Record(e)
	}
	r.held, r.confirmed = nil, false
}

// hold queues e behind a held digit, or sends it when nothing is held.
func (r *recorder) hold(e calllog.Event) {
	if len(r.held) == 0 {
		r.sink.Record(e)
		return
	}
	r.held = append(r.held, e)
}

func isDigitKey(e calllog.Event) bool {
	if e.Kind != calllog.KindKey {
		return false
	}
	d, _ := e.Fields[calllog.FieldDigit].(string)
	return d == "x" || (len(d) == 1 && d[0] >= '0' && d[0] <= '9')
}

func maskedDigit(f map[string]any) map[string]any {
	out := make(map[string]any, len(f))
	for k, v := range f {
		out[k] = v
	}
	out[calllog.FieldDigit] = "x"
	return out
}

// newCallID is a random call id: channel ids repeat across Asterisk restarts and nodes, call ids must not.
func newCallID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
