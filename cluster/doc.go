// Package cluster holds the scale-out test: real processes on loopback addresses in the topology of docs/scaling.md —
// Kamailio (Debian's package, asterisk-conf/kamailio/kamailio.cfg) in front of two lab Asterisk nodes, two
// `vika serve` instances (vika-a, vika-b) each driving both nodes, PostgreSQL, and SIP callers that hear the prompts
// from the RTP. It stops a node mid-load and then an instance, and checks that every caller still hears VIKA and
// that every call is logged once.
//
// The package has no code of its own outside its tests.
package cluster
