package sipphone

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim/phone"
)

// stream is what Asterisk sends while it plays: one packet per 20 ms, 160 samples each, cut from one continuous
// run of samples (so a prompt after another whose length is no multiple of 160 arrives shifted, as the smoother
// sends it), with pauses where nothing plays.
type stream struct {
	t      *testing.T
	lib    *Prompts
	pt     uint8
	l      *Listener
	t0, at time.Time
	seq    uint16
	carry  []int16 // samples waiting for a full packet
}

func newStream(t *testing.T, pt uint8) *stream {
	lib, err := DefaultPrompts()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	return &stream{t: t, lib: lib, pt: pt, l: NewListener(lib), t0: t0, at: t0, seq: 40000}
}

func (s *stream) pcm(id string) []int16 {
	p, ok := s.lib.PCM(id)
	if !ok {
		s.t.Fatalf("no prompt %s", id)
	}
	return p
}

// play queues samples and sends every full packet.
func (s *stream) play(pcm []int16) {
	s.carry = append(s.carry, pcm...)
	for len(s.carry) >= 160 {
		s.send(s.carry[:160])
		s.carry = s.carry[160:]
	}
}

func (s *stream) send(pcm []int16) {
	b := make([]byte, len(pcm))
	for i, x := range pcm {
		b[i] = encode(s.pt, x)
	}
	s.l.Audio(s.at, s.pt, s.seq, b)
	s.seq++
	s.at = s.at.Add(samplesDur(len(pcm)))
	s.l.Idle(s.at)
}

// pause is time with no packets (nothing playing); a stopped playback's partial frame is dropped with it.
func (s *stream) pause(d time.Duration) {
	s.carry = nil
	for end := s.at.Add(d); s.at.Before(end); s.at = s.at.Add(20 * time.Millisecond) {
		s.l.Idle(s.at)
	}
}

func (s *stream) startOf(samplesBefore int) time.Time { return s.t0.Add(samplesDur(samplesBefore)) }

func near(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -20*time.Millisecond || d > 20*time.Millisecond {
		t.Errorf("%s at +%v, want +%v (±20 ms)", what, got.Sub(want.Truncate(time.Hour)), want.Sub(want.Truncate(time.Hour)))
	}
}

func summary(h []phone.Heard) string {
	var b []string
	for _, x := range h {
		s := x.PromptID
		if x.Cut {
			s += " (cut)"
		}
		if x.End.IsZero() {
			s += " (playing)"
		}
		b = append(b, s)
	}
	return strings.Join(b, ", ")
}

func TestACallerHearsTwoPromptsPlayedBackToBackInFullAndWhenEachStarted(t *testing.T) {
	for _, codec := range []struct {
		name string
		pt   uint8
	}{{"A-law", PCMA}, {"µ-law", PCMU}} {
		t.Run(codec.name, func(t *testing.T) {
			s := newStream(t, codec.pt)
			welcome, menu := s.pcm("welcome"), s.pcm("main-menu")
			s.play(welcome)
			s.play(menu)
			s.pause(time.Second)
			h := s.l.Heard()
			if got := summary(h); got != "welcome, main-menu" {
				t.Fatalf("heard %q, want welcome then main-menu, both in full", got)
			}
			near(t, "welcome started", h[0].Start, s.t0)
			near(t, "main-menu started", h[1].Start, s.startOf(len(welcome)))
			near(t, "welcome ended", h[0].End, s.startOf(len(welcome)))
			near(t, "main-menu ended", h[1].End, s.startOf(len(welcome)+len(menu)/160*160))
		})
	}
}

func TestAPromptStoppedAt40PercentIsHeardCutThereAndTheNextOneInFull(t *testing.T) {
	s := newStream(t, PCMA)
	menu, enter := s.pcm("main-menu"), s.pcm("enter-id")
	played := len(menu) * 4 / 10 / 160 * 160
	s.play(menu[:played])
	s.pause(150 * time.Millisecond) // shorter than IdleCut: the next prompt's audio is what ends it
	s.play(enter)
	s.pause(time.Second)
	h := s.l.Heard()
	if got := summary(h); got != "main-menu (cut), enter-id" {
		t.Fatalf("heard %q, want main-menu cut then enter-id in full", got)
	}
	near(t, "main-menu cut", h[0].End, s.startOf(played))
	near(t, "enter-id started", h[1].Start, s.startOf(played).Add(160*time.Millisecond))
}

func TestAPromptWhoseAudioStopsMidwayIsCutWhenNothingFollows(t *testing.T) {
	s := newStream(t, PCMA)
	menu := s.pcm("main-menu")
	played := len(menu) * 4 / 10 / 160 * 160
	s.play(menu[:played])
	if h := s.l.Heard(); len(h) != 1 || !h[0].End.IsZero() {
		t.Fatalf("while main-menu plays: heard %q, want main-menu playing", summary(h))
	}
	s.pause(IdleCut + 40*time.Millisecond)
	h := s.l.Heard()
	if got := summary(h); got != "main-menu (cut)" {
		t.Fatalf("heard %q, want main-menu cut", got)
	}
	near(t, "main-menu cut", h[0].End, s.startOf(played))
}

func TestSilenceBetweenPromptsIsNothingAndARepeatedPromptIsHeardTwice(t *testing.T) {
	s := newStream(t, PCMA)
	noInput, menu := s.pcm("no-input"), s.pcm("main-menu")
	s.play(make([]int16, 8000)) // a second of digital silence sent as audio
	s.play(noInput)
	s.play(make([]int16, 4000))
	s.play(menu[:len(menu)/2])
	s.play(menu) // the menu again from the start, as after an invalid key
	s.pause(time.Second)
	if got := summary(s.l.Heard()); got != "no-input, main-menu (cut), main-menu" {
		t.Fatalf("heard %q, want no-input, main-menu cut, main-menu", got)
	}
}

func TestAPromptIsFollowedThroughDifferentEncoderRoundingAndALostPacket(t *testing.T) {
	s := newStream(t, PCMA)
	rng := rand.New(rand.NewPCG(1, 2))
	welcome := append([]int16(nil), s.pcm("welcome")...)
	for i := range welcome {
		welcome[i] += int16(rng.IntN(17) - 8) // another encoder's rounding and dither: ±8 of 32767
	}
	s.play(welcome[:4800])
	s.seq++ // a packet lost in the network
	s.at = s.at.Add(20 * time.Millisecond)
	s.play(welcome[4960:])
	s.pause(time.Second)
	if got := summary(s.l.Heard()); got != "welcome" {
		t.Fatalf("heard %q, want welcome in full", got)
	}
}

func TestAudioThatIsNoPromptIsNotHeardAsOne(t *testing.T) {
	s := newStream(t, PCMA)
	rng := rand.New(rand.NewPCG(3, 4))
	noise := make([]int16, 8000*3)
	for i := range noise {
		noise[i] = int16(rng.NormFloat64() * 3000)
	}
	s.play(noise)
	reversed := append([]int16(nil), s.pcm("welcome")...)
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	s.play(reversed)
	s.pause(time.Second)
	if h := s.l.Heard(); len(h) != 0 {
		t.Fatalf("noise and welcome played backwards were heard as %q", summary(h))
	}
}

func TestAHangUpCutsThePromptPlaying(t *testing.T) {
	s := newStream(t, PCMU)
	s.play(s.pcm("enter-birthdate")[:16000])
	s.l.Hangup()
	h := s.l.Heard()
	if len(h) != 1 || !h[0].Cut || h[0].State != "failed" {
		t.Fatalf("heard %+v, want enter-birthdate cut by the hang-up", h)
	}
}
