// Package floor owns the minimal Stasis application used as the performance floor of `vika loadtest --floor`: the
// cheapest IVR that does VIKA's job on the same (simulated) Asterisk and the same database, so that every latency
// VIKA shows can be reported as a ratio to this one.
//
// It plays, for the same caller, the prompt ids VIKA plays at the points the load callers wait on (main-menu,
// enter-id, enter-birthdate, after-readout-menu), so a scripted caller succeeds against either. Everything else is
// as bare as the job allows: one bus subscription routed by channel id, one goroutine per call, one Play per prompt
// with barge-in by DELETE, a per-call type-ahead buffer, and one point query per look-up.
//
// It is not a product IVR: no retries beyond asking again, no limits, no call log, no metrics, no opening hours,
// no NIK structure check, and no second factor beyond comparing the keyed birth date with the row's. A NIK or card
// number is never logged.
package floor
