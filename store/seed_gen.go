package store

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/vika-jkn/vika/jkn"
)

// maxSerial is the largest NIK serial (4 digits).
const maxSerial = 9999

// wib is Western Indonesia Time, in which payments are timestamped. A fixed zone, so the seed needs no tzdata.
var wib = time.FixedZone("WIB", 7*60*60)

// billMonths is how far back bills go: arrears are drawn from 0 to 30 months.
const billMonths = 30

type familyRow struct {
	id int64
	va string
}

type participantRow struct {
	card, nik, name string
	birth           time.Time
	sex             string
	familyID        int64
	segment         string
	class, status   int16
	fktp            string
}

type billRow struct {
	familyID int64
	period   time.Time
	amount   int64
}

type paymentRow struct {
	familyID       int64
	period, paidAt time.Time
	amount         int64
}

// chunkGen makes the rows of one chunk: participants [lo, hi), in whole families (the last may be cut short).
type chunkGen struct {
	rng          *rand.Rand
	k, chunks    int
	lo, hi       int
	month        time.Time // first day of Now's month, in WIB
	tariffs      []jkn.Tariff
	cardA, cardB uint64         // card number = (cardA*i + cardB) mod 10^10: a bijection, so cards are unique
	serials      map[uint64]int // NIK prefix (region + DDMMYY) → people given a serial for it in this chunk

	families     []familyRow
	participants []participantRow
	bills        []billRow
	payments     []paymentRow
	samples      []Sample
	sampled      map[string]bool
}

func newChunkGen(opts SeedOptions, tariffs []jkn.Tariff, k, chunks int) *chunkGen {
	seed := uint64(opts.Seed)
	global := rand.New(rand.NewPCG(seed, 0x5eed_ca4d))
	a := global.Uint64N(1e10) | 1
	for a%5 == 0 { // coprime with 10^10
		a += 2
	}
	return &chunkGen{
		rng:    rand.New(rand.NewPCG(seed, uint64(k))),
		k:      k,
		chunks: chunks,
		lo:     k * seedChunk,
		hi:     min((k+1)*seedChunk, opts.Participants),
		// BPJS's months begin in WIB: at 00:30 WIB on the 1st a server in UTC is still in last month.
		month:   time.Date(opts.Now.In(wib).Year(), opts.Now.In(wib).Month(), 1, 0, 0, 0, 0, time.UTC),
		tariffs: tariffs, cardA: a, cardB: global.Uint64N(1e10),
		serials: map[uint64]int{}, sampled: map[string]bool{},
	}
}

func (g *chunkGen) generate() {
	for i := g.lo; i < g.hi; {
		size := min(g.familySize(), g.hi-i)
		g.family(i, size)
		i += size
	}
}

// member is one person of a family being generated.
type member struct {
	female bool
	birth  time.Time
	child  bool
}

func (g *chunkGen) family(first, size int) {
	fid := int64(first + 1)
	seg := g.segment()
	class, salary := g.class(seg)
	region := g.region()
	fktp := g.fktp()
	arrears := 0
	if seg.PaysOwnContribution() {
		arrears = g.arrears()
	}
	unpaid, partial := g.billFamily(fid, seg, class, size, arrears, salary)
	headCard := g.card(first)
	g.families = append(g.families, familyRow{id: fid, va: "88888" + headCard[2:]})
	for j, m := range g.members(size) {
		p := participantRow{
			card: g.card(first + j), nik: g.nik(region, m), name: g.name(m.female), birth: m.birth,
			sex: sexCode(m.female), familyID: fid, segment: string(seg), class: int16(class),
			status: int16(g.status(seg, m, unpaid)), fktp: fktp,
		}
		g.participants = append(g.participants, p)
		g.offerSample(p, unpaid, partial)
	}
}

func sexCode(female bool) string {
	if female {
		return "P"
	}
	return "L"
}

// members makes a household: a head (mostly a man, 25-70), a spouse, then children younger than both.
func (g *chunkGen) members(size int) []member {
	head := member{female: g.rng.IntN(100) < 20, birth: g.birth(25, 70)}
	ms := []member{head}
	headAge := g.month.Year() - head.birth.Year()
	if size > 1 {
		age := max(18, headAge+g.rng.IntN(11)-5)
		ms = append(ms, member{female: !head.female, birth: g.birth(age, age)})
	}
	for len(ms) < size {
		ms = append(ms, member{female: g.rng.IntN(2) == 0, birth: g.birth(0, min(25, headAge-18)), child: true})
	}
	return ms
}

// birth draws a birth date for someone aged between minAge and maxAge at the start of this month.
func (g *chunkGen) birth(minAge, maxAge int) time.Time {
	y := g.month.Year() - minAge - g.rng.IntN(maxAge-minAge+1)
	t := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.rng.IntN(365))
	if !t.Before(g.month) {
		t = t.AddDate(-1, 0, 0)
	}
	return t
}

// nik builds a structurally valid NIK: region, DDMMYY (+40 for women) and a serial unique across the whole seed.
// About 1% of NIKs carry a date that differs from the birth date on record, as real ones sometimes do.
func (g *chunkGen) nik(region uint64, m member) string {
	date := m.birth
	if g.rng.IntN(100) == 0 {
		date = date.AddDate(0, 0, g.rng.IntN(61)-30)
	}
	ddmmyy, _ := strconv.ParseUint(jkn.NIKDate(date, m.female), 10, 64)
	for {
		prefix := region*1_000_000 + ddmmyy
		n := g.serials[prefix]
		g.serials[prefix] = n + 1
		// Chunk k owns the serials congruent to k+1 modulo the number of chunks, so chunks never collide.
		if serial := g.k + 1 + n*g.chunks; serial <= maxSerial {
			return pad(prefix, 12) + pad(uint64(serial), 4)
		}
		region = region/100*100 + region%100%99 + 1 // next district: this one is full
	}
}

func (g *chunkGen) card(i int) string {
	return pad((g.cardA*uint64(i)+g.cardB)%1e10, 13)
}

func pad(n uint64, width int) string {
	s := strconv.FormatUint(n, 10)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// region picks province (by population), regency or city, and district: the first six NIK digits as a number.
func (g *chunkGen) region() uint64 {
	p := provinces[weighted(g.rng, provinceWeights)]
	reg := 1 + g.rng.IntN(p.regencies+p.cities)
	if reg > p.regencies {
		reg = 71 + reg - p.regencies - 1
	}
	dist := 1 + g.rng.IntN(25)
	return uint64(p.code*10_000 + reg*100 + dist)
}

var provinceWeights = func() []int {
	w := make([]int, len(provinces))
	for i, p := range provinces {
		w[i] = p.weight
	}
	return w
}()

// weighted picks an index with probability proportional to its weight.
func weighted(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}
