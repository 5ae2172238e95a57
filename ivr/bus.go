package ivr

import (
	_ "unsafe" // go:linkname

	_ "github.com/CyCoreSystems/ari/v5/stdbus"
)

// The native ARI client (ari/v5 v5.3.1) hands every event to stdbus, whose Send drops an event — silently — for a
// subscriber that already has 100 undelivered ones. The App drains its one subscription at once, but on a loaded
// machine its goroutine can still be descheduled while a burst arrives: `vika loadtest --concurrency 100 --speed 20`
// lost DTMF digits in half its calls (callers heard "number incomplete" and "birth date invalid" for keys they
// pressed correctly). A caller's key must never be lost, and the bus offers no option, so the App raises that buffer.
// The App has a single subscription, so this costs busEventBuffer × 16 bytes once (about 0.5 MiB). Other code that
// subscribes to the same bus in the same process gets the larger buffer too.
//
//go:linkname stdbusBuffer github.com/CyCoreSystems/ari/v5/stdbus.subscriptionEventBufferSize
var stdbusBuffer int

// busEventBuffer holds several seconds of events of thousands of concurrent calls.
const busEventBuffer = 32768

func init() {
	if stdbusBuffer < busEventBuffer {
		stdbusBuffer = busEventBuffer
	}
}
