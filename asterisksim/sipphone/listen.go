package sipphone

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/vika-jkn/vika/asterisksim/phone"
)

// Listener turns the audio a caller receives into the prompts heard: which prompt, when it started, when it ended
// and whether it ended early. It is fed one RTP packet at a time and is not safe for concurrent use.
//
// It locks onto a prompt from content anchors (see Prompts), then follows it packet by packet, comparing the
// decoded audio with the prompt's samples at the expected place by normalised cross-correlation, so encoder
// rounding or a lost packet does not lose it. A prompt ends when its last samples arrive (heard in full), or when
// the audio stops matching or stops coming before that (cut: by a key, a stop or a hang-up). Silence between
// prompts is nothing. Prompts that begin with the same words (espeak says "Silakan masukkan" the same way in
// several) are followed together until the audio tells them apart; only then is the prompt reported, with its
// start where its audio began.
type Listener struct {
	lib *Prompts

	started bool
	lastSeq uint16
	lastLen int
	pos     int64 // stream position (in samples) of the next packet, counted by sequence number

	hyp   []*follow // the prompts the audio since the last lock still matches; committed when one is left
	heard []phone.Heard
}

// follow is a prompt being heard: prompt sample = stream sample + delta.
type follow struct {
	prompt  int
	delta   int64
	start   time.Time // when its first sample played, in the caller's clock
	reached int       // prompt samples matched so far (the end of the last matching packet)
	lastEnd time.Time // when the audio matched so far ends
	heard   int       // index in Listener.heard once committed, else -1
}

const (
	minNCC    = 0.9 // frames of the same prompt correlate above 0.99 even through G.711; other audio far below
	quietRMS  = 30  // below this (of 32767) a frame is silence: correlation means nothing there
	quietBoth = 150 // a quiet frame still matches a prompt frame this soft (G.711 and fades blur the line)
	minLock   = 80  // samples of overlap needed to lock onto a prompt (10 ms)
	maxHyp    = 8   // prompts followed at once while their audio is the same
	// endSlack: a prompt whose matched audio stops within one frame of its end was heard in full; the smoother
	// keeps a last partial frame until the next prompt fills it.
	endSlack = 160
	// IdleCut: audio that stops this long in the middle of a prompt means the prompt was stopped.
	IdleCut = 300 * time.Millisecond
)

// NewListener listens for the prompts of lib.
func NewListener(lib *Prompts) *Listener { return &Listener{lib: lib} }

// Heard is every prompt recognised so far, in the order they started; the last may still be playing (End zero).
func (l *Listener) Heard() []phone.Heard { return slices.Clone(l.heard) }

// Audio takes one received RTP packet of G.711 audio (pt PCMA or PCMU) that arrived at at. It reports whether what
// was heard changed.
func (l *Listener) Audio(at time.Time, pt uint8, seq uint16, payload []byte) bool {
	if len(payload) == 0 {
		return false
	}
	if l.started {
		d := int16(seq - l.lastSeq)
		if d <= 0 {
			return false // duplicate or late: its place has passed
		}
		l.pos += int64(d-1) * int64(l.lastLen) // lost packets still took their time
	}
	l.started, l.lastSeq, l.lastLen = true, seq, len(payload)
	start := l.pos
	l.pos += int64(len(payload))

	pcm := make([]int16, len(payload))
	for i, b := range payload {
		pcm[i] = decode(pt, b)
	}
	old := l.hyp
	if len(old) == 0 {
		return l.lock(at, pt, start, pcm, payload, nil)
	}
	var alive, complete []*follow
	for _, f := range old {
		p := l.lib.pcm[f.prompt]
		ppos := start + f.delta
		if ppos >= int64(len(p)) {
			continue
		}
		n := min(len(pcm), len(p)-int(ppos))
		if !similar(pcm[:n], p[ppos:int(ppos)+n]) {
			continue
		}
		f.reached, f.lastEnd = int(ppos)+n, at.Add(samplesDur(n))
		if f.reached >= len(p) {
			complete = append(complete, f)
		} else {
			alive = append(alive, f)
		}
	}
	if len(alive) > 0 {
		// A prompt that ended here while another goes on was the other's beginning.
		l.hyp = alive
		return len(alive) == 1 && l.commit(alive[0])
	}
	end := pick(old)
	if len(complete) > 0 {
		end = pick(complete)
	}
	l.commit(end)
	l.finish(end, "stopped")
	l.lock(at, pt, start, pcm, payload, old)
	return true
}

// pick chooses among prompts the audio no longer tells apart: the one already reported, else the first found.
func pick(fs []*follow) *follow {
	for _, f := range fs {
		if f.heard >= 0 {
			return f
		}
	}
	return fs[0]
}

// lock looks for the prompts this packet belongs to and starts following them. A prompt that just ended is not
// taken up again where it ended: a packet that carries its last samples and the next prompt's first matches both.
func (l *Listener) lock(at time.Time, pt uint8, start int64, pcm []int16, payload []byte, ended []*follow) bool {
	l.hyp = nil
	if rms(pcm) < quietBoth {
		return false
	}
	idx := l.lib.index(pt)
	type cand struct {
		prompt int
		ppos   int64 // prompt position of the packet's first sample
		ncc    float64
	}
	var found []cand
	seen := func(c cand) bool {
		for _, f := range found {
			if f.prompt == c.prompt && f.ppos == c.ppos {
				return true
			}
		}
		for _, f := range ended {
			if f.prompt == c.prompt && f.delta == c.ppos-start {
				return true
			}
		}
		return false
	}
	for i := 0; i+gram <= len(payload); i++ {
		key, ok := anchor(pt, payload[i:i+gram])
		if !ok {
			continue
		}
		for _, r := range idx[key] {
			c := cand{prompt: int(r.prompt), ppos: int64(r.pos) - int64(i)}
			if seen(c) {
				continue
			}
			p := l.lib.pcm[c.prompt]
			from, to := max(c.ppos, 0), min(c.ppos+int64(len(pcm)), int64(len(p)))
			if to-from < minLock {
				continue
			}
			a, b := pcm[from-c.ppos:to-c.ppos], p[from:to]
			if rms(a) < quietBoth || rms(b) < quietBoth {
				continue
			}
			if c.ncc = correlation(a, b); c.ncc >= minNCC {
				found = append(found, c)
			}
		}
	}
	if len(found) == 0 {
		return false
	}
	slices.SortStableFunc(found, func(a, b cand) int { return cmp.Compare(b.ncc, a.ncc) })
	for _, c := range found[:min(len(found), maxHyp)] {
		if c.ncc < found[0].ncc-0.02 {
			break
		}
		p := l.lib.pcm[c.prompt]
		reached := min(c.ppos+int64(len(pcm)), int64(len(p)))
		l.hyp = append(l.hyp, &follow{prompt: c.prompt, delta: c.ppos - start, heard: -1,
			start: at.Add(-samplesDur(int(c.ppos))), reached: int(reached),
			lastEnd: at.Add(samplesDur(int(reached - c.ppos)))})
	}
	if len(l.hyp) == 1 {
		f := l.hyp[0]
		l.commit(f)
		if f.reached >= len(l.lib.pcm[f.prompt]) {
			l.finish(f, "stopped")
		}
	}
	return true
}

// commit reports f as heard (once). It reports whether that is new.
func (l *Listener) commit(f *follow) bool {
	if f.heard >= 0 {
		return false
	}
	id := l.lib.ids[f.prompt]
	l.heard = append(l.heard, phone.Heard{PromptID: id, MediaURI: "sound:vika/" + id, State: "playing", Start: f.start})
	f.heard = len(l.heard) - 1
	return true
}

// finish ends f, a committed prompt: heard in full when its matched audio reached the end, otherwise cut, with
// state why. Nothing is followed after it.
func (l *Listener) finish(f *follow, why string) {
	h := &l.heard[f.heard]
	h.End = f.lastEnd
	if f.reached >= len(l.lib.pcm[f.prompt])-endSlack {
		h.State = "done"
	} else {
		h.Cut, h.State = true, why
	}
	l.hyp = nil
}

// Idle ends the prompt being followed when its audio stopped coming IdleCut before now. It reports a change.
func (l *Listener) Idle(now time.Time) bool {
	if len(l.hyp) == 0 || now.Sub(l.hyp[0].lastEnd) < IdleCut {
		return false
	}
	return l.endNow("stopped")
}

// Hangup ends the prompt being followed because the call ended; one not heard to its end is cut ("failed", as the
// ARI phone reports a playback a hang-up ended).
func (l *Listener) Hangup() bool { return l.endNow("failed") }

func (l *Listener) endNow(why string) bool {
	if len(l.hyp) == 0 {
		return false
	}
	f := pick(l.hyp)
	for _, g := range l.hyp {
		if g.reached >= len(l.lib.pcm[g.prompt])-endSlack {
			f = g // a prompt heard to its end explains the audio better than a longer one cut
		}
	}
	l.commit(f)
	l.finish(f, why)
	return true
}

// similar says whether received audio a is prompt audio b: both silence, or correlated.
func similar(a, b []int16) bool {
	ra, rb := rms(a), rms(b)
	if ra < quietRMS || rb < quietRMS {
		return ra < quietBoth && rb < quietBoth
	}
	return correlation(a, b) >= minNCC
}

func rms(a []int16) float64 {
	if len(a) == 0 {
		return 0
	}
	var e float64
	for _, s := range a {
		e += float64(s) * float64(s)
	}
	return math.Sqrt(e / float64(len(a)))
}

// correlation is the normalised cross-correlation of a and b at lag zero (1 for the same shape at any gain).
func correlation(a, b []int16) float64 {
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
