// Package e2e holds VIKA's end-to-end table: whole calls, from a caller's keys to what the caller hears, through the
// real App, a real PostgreSQL and an Asterisk. One table of cases runs in every column — the simulated Asterisk, a real
// Asterisk 22.10.1 reached over ARI Local channels, and the same real Asterisk called over SIP with what the caller
// hears recognised from the RTP audio — with the same assertions, and the prompts heard must be the same in every
// column, so a difference between the simulator and the real Asterisk shows as one failing row.
//
// The package has no code of its own outside its tests.
package e2e
