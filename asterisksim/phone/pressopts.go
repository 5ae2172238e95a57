package phone

import "time"

// PressSettings are press options resolved to values, so that another transport (asterisksim/sipphone, which sends
// keys as RTP events) takes the very options a test passes to this phone, and one table drives both.
type PressSettings struct {
	Duration, Between, Before, After time.Duration
	NoWait                           bool
}

// ResolvePress applies opts to the defaults Press uses (each key held 100 ms, 100 ms between keys).
func ResolvePress(opts ...PressOption) PressSettings {
	o := pressOpts{duration: 100 * time.Millisecond, between: 100 * time.Millisecond}
	for _, f := range opts {
		f(&o)
	}
	return PressSettings{Duration: o.duration, Between: o.between, Before: o.before, After: o.after, NoWait: o.noWait}
}
