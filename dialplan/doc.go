// Package dialplan owns the VIKA call flow as data: entries (165 → mobile, 021165 → landline), menus and their key
// maps, the prompt ids each step says, timeouts, retry counts, look-up and per-caller limits, agent opening hours and
// the agent transfer target. The default flow is default.yaml, embedded; an operator may load another file of the
// same shape.
//
// Load and Default validate the flow before a call is taken, naming the place of each problem
// (`menus.main.keys[3]: duplicate key "1"`). The package describes the flow; it does not run it (that is ivr) and
// knows nothing of ARI, SQL or audio.
package dialplan
