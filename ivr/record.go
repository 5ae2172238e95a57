package ivr

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/vika-jkn/vika/calllog"
)

// recorder numbers a call's events and hands them to the call-log sink (which never blocks).
type recorder struct {
	sink   calllog.Sink
	callID string
	seq    int
	clock  func() time.Time
}

func (r *recorder) record(kind calllog.Kind, fields map[string]any) {
	r.recordAt(r.clock(), kind, fields)
}

func (r *recorder) recordAt(at time.Time, kind calllog.Kind, fields map[string]any) {
	r.seq++
	r.sink.Record(calllog.Event{CallID: r.callID, Seq: r.seq, At: at, Kind: kind, Fields: fields})
}

// newCallID is a random call id: channel ids repeat across Asterisk restarts and nodes, call ids must not.
func newCallID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
