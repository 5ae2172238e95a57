// Package loadtest owns VIKA's load generator: the callers (a realistic mix of what people do on the line), how
// they arrive (a fixed number at once, or a Poisson process at a rate, for a count or a duration), the run, and
// what it measured: latency percentiles and their histogram as a PNG, failures by reason with the load tool's own
// errors counted apart from the app's, and the serving app's cost read from its /metrics (AppWatch).
//
// It places calls through a Dialer (an ARI phone on a simulated or real Asterisk, or a SIP phone) and only ever
// sees what a caller sees: prompts starting and ending, keys received, who hung up. It knows nothing of the app
// it measures, VIKA or the floor (package loadtest/floor), beyond the prompt ids both play.
package loadtest
