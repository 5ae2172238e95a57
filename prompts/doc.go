// Package prompts owns every word VIKA says: the catalogue (catalogue.yaml, prompt id → Indonesian text), the
// Indonesian readout of numbers, money, dates and digit strings as sequences of prompt ids, the audio built from the
// catalogue (espeak-ng + sox, in the formats Asterisk plays), the manifest of durations next to that audio, and the
// check that an Asterisk has every prompt.
//
// Asterisk cannot say Indonesian numbers (its say.c has no "id" branch and falls back to English) and ships no
// Indonesian sounds, so VIKA speaks only through its own files: one file per prompt id, played as sound:vika/<id>.
//
// The package knows nothing about calls, menus or the database: the call flow (dialplan, ivr) decides which prompts
// to play and in which order; this package only says what each id means and how a number is spoken.
package prompts
