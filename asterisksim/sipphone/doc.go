// Package sipphone is a caller as a carrier delivers it to Asterisk: a SIP INVITE to 165 or 021165 from the
// carrier's address (127.0.0.1 for the mobile trunk, 127.0.0.2 for the landline trunk of asterisk-conf/pjsip.conf),
// the caller's number in From and P-Asserted-Identity, G.711 audio, keys as RFC 4733 events, hang-up by BYE.
//
// What the caller hears is taken from the RTP it receives and nothing else: the audio is decoded and recognised
// against the prompt WAVs (Listener), so a test can say "the caller heard enter-id, and it was cut by the key"
// without asking ARI. Its Call mirrors asterisksim/phone's (Press, WaitPrompt, WaitHangup, Hangup, Transcript,
// the same phone.Heard and phone.Transcript), so one table of cases can drive both.
//
// It is built on github.com/emiago/diago (and sipgo): one user agent per source address, shared by every call from
// that address in the process and living as long as the process; each call owns two goroutines, one reading RTP
// and one sending a 20 ms frame (silence, or a key's event) on a ticker, as a handset does.
package sipphone
