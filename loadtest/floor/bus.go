package floor

import (
	_ "unsafe" // go:linkname

	_ "github.com/CyCoreSystems/ari/v5/stdbus"
)

// The native ARI client's bus (ari/v5 stdbus) silently drops an event for a subscriber that has 100 undelivered
// ones; a floor that loses a caller's key under load measures nothing. Run drains its one subscription at once, but
// a descheduled dispatcher can still fall 100 behind in a burst, so the buffer is raised, as package ivr does (the
// larger of the two sizes wins whichever init runs first).
//
//go:linkname stdbusBuffer github.com/CyCoreSystems/ari/v5/stdbus.subscriptionEventBufferSize
var stdbusBuffer int

const busEventBuffer = 32768

func init() {
	if stdbusBuffer < busEventBuffer {
		stdbusBuffer = busEventBuffer
	}
}
