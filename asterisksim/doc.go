// Package asterisksim is a simulated Asterisk that speaks ARI on a real TCP
// socket, built like net/http/httptest: a test starts it in one line, points a
// real ARI client (github.com/CyCoreSystems/ari/v5/client/native, or any other)
// at URL(), and closes it at cleanup with every goroutine gone.
//
//	sim := asterisksim.Start(t, asterisksim.Options{Sounds: "testdata/sounds", Speed: 20})
//	client, _ := native.Connect(&native.Options{URL: sim.URL(), WebsocketURL: sim.WebsocketURL(), ...})
//
// What it owns:
//   - the ARI REST routes VIKA and a caller driver use (channels, playbacks,
//     sounds, asterisk/info, applications) with Asterisk 22's status codes,
//     JSON field names and error bodies;
//   - the /ari/events WebSocket with the events, fields and order that a real
//     Asterisk 22.10.1 produced in testdata/*.jsonl (the conformance test
//     holds the simulator to those traces);
//   - Local channels: originating Local/<exten>@<context> runs the ;2 half
//     through the dialplan (a Router, normally the project's extensions.conf)
//     into Stasis(app,args), and the ;1 half enters the originating app when
//     ;2 is answered;
//   - playback timing from the WAV headers of a sounds directory, DTMF timing
//     as Asterisk generates it, both divided by Options.Speed so tests run fast
//     in real (scaled) time, never on a fake clock;
//   - what each caller heard (Heard), and fault injection (faults.go).
//
// What it must not know: anything about VIKA's call flow, prompts or
// database. It is an Asterisk, not a mock of the IVR's client; the IVR cannot
// tell it from the real one for everything the traces cover. Where it departs
// from Asterisk on purpose, the conformance test names the departure.
//
// Concurrency: one mutex (Server.mu) guards the whole telephony state. Every
// Asterisk-side action (a REST call, a timer firing) runs its whole event
// sequence under it, which is what keeps the per-app event order identical to
// the traces; events are only queued under the lock and are marshalled and
// written by one writer goroutine per WebSocket. Timers are time.AfterFunc,
// one per pending playback item or DTMF digit, never a goroutine per call.
package asterisksim
