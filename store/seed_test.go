package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// seedNow is "today" for seeded tests: mid-month, after the due date.
var seedNow = time.Date(2026, time.March, 15, 12, 0, 0, 0, time.FixedZone("WIB", 7*3600))

func seeded(t testing.TB, opts store.SeedOptions) (*store.Store, store.SeedReport) {
	t.Helper()
	s := storetest.NewDB(t)
	if opts.Now.IsZero() {
		opts.Now = seedNow
	}
	rep, err := store.Seed(context.Background(), s.Pool(), opts)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return s, rep
}

// checksum hashes every seeded row of every seeded table, in a fixed order.
func checksum(t *testing.T, s *store.Store) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"families", "participants", "bills", "payments"} {
		var sum string
		q := "SELECT coalesce(md5(string_agg(r::text, E'\\n' ORDER BY r::text)), '') FROM " + table + " r"
		if err := s.Pool().QueryRow(context.Background(), q).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, table+"="+sum)
	}
	return strings.Join(parts, " ")
}

func TestTheSameSeedGivesTheSameRowsWhateverTheParallelism(t *testing.T) {
	t.Parallel()
	// More than one chunk, so that chunks loaded in a different order by a different number of workers are covered.
	n := 60_000
	a, _ := seeded(t, store.SeedOptions{Participants: n, Seed: 42, Workers: 1})
	b, _ := seeded(t, store.SeedOptions{Participants: n, Seed: 42, Workers: 3})
	c, _ := seeded(t, store.SeedOptions{Participants: n, Seed: 43, Workers: 2})
	sumA, sumB, sumC := checksum(t, a), checksum(t, b), checksum(t, c)
	if sumA != sumB {
		t.Fatalf("seed 42 twice gave different rows:\n%s\n%s", sumA, sumB)
	}
	for _, part := range strings.Fields(sumC) {
		if strings.Contains(sumA, part) {
			t.Fatalf("seeds 42 and 43 gave the same %s", part)
		}
	}
}

func TestSeededPeopleLookRealAndCoverEverySegmentAndStatus(t *testing.T) {
	t.Parallel()
	s, rep := seeded(t, store.SeedOptions{Participants: 20_000, Seed: 1})
	if rep.Participants != 20_000 {
		t.Fatalf("seeded %d participants", rep.Participants)
	}
	rows, err := s.Pool().Query(context.Background(), `SELECT p.nik, p.card_number, p.sex, p.segment, p.status_code,
		f.virtual_account, (SELECT count(*) FROM participants q WHERE q.family_id = p.family_id)
		FROM participants p JOIN families f ON f.id = p.family_id`)
	if err != nil {
		t.Fatal(err)
	}
	segments, statuses := map[string]int{}, map[int16]int{}
	var nik, card, sex, seg, va string
	var status int16
	var size int
	_, err = pgx.ForEachRow(rows, []any{&nik, &card, &sex, &seg, &status, &va, &size}, func() error {
		segments[seg]++
		statuses[status]++
		checkSeededPerson(t, nik, card, sex, va, size)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, sg := range jkn.Segments {
		if segments[string(sg)] == 0 {
			t.Errorf("no %s participant", sg)
		}
	}
	for _, st := range jkn.Statuses {
		if statuses[int16(st)] == 0 {
			t.Errorf("no participant with status %d", st)
		}
	}
	if share := float64(segments["PBI_APBN"]) / 20_000; share < 0.33 || share > 0.47 {
		t.Errorf("PBI APBN is %.0f%% of participants, want about 40%%", share*100)
	}
}

func checkSeededPerson(t *testing.T, nik, card, sex, va string, familySize int) {
	if err := jkn.ValidateNIK(nik); err != nil {
		t.Errorf("NIK %s: %v", jkn.Mask(nik), err)
	}
	if female, _, _ := jkn.NIKBirthDate(nik); female != (sex == "P") {
		t.Errorf("NIK %s: day says female=%v, record says %s", jkn.Mask(nik), female, sex)
	}
	if jkn.ClassifyID(card) != jkn.IDCard || !strings.HasPrefix(card, "000") {
		t.Errorf("card %s is not 13 digits starting 000", jkn.Mask(card))
	}
	if len(va) != 16 || !strings.HasPrefix(va, "88888") {
		t.Errorf("virtual account %s is not 88888 + 11 digits", va)
	}
	if familySize < 1 || familySize > 6 {
		t.Errorf("family of %d", familySize)
	}
}

func TestSeededArrearsSpreadFromNoneToThirtyMonths(t *testing.T) {
	t.Parallel()
	s, _ := seeded(t, store.SeedOptions{Participants: 20_000, Seed: 3})
	var lo, hi, families int
	err := s.Pool().QueryRow(context.Background(), `
		SELECT min(n), max(n), count(*) FROM (
			SELECT b.family_id, count(*) FILTER (WHERE b.amount > (
				SELECT coalesce(sum(p.amount), 0) FROM payments p WHERE p.family_id = b.family_id AND p.period = b.period)
				AND b.period < $1) AS n
			FROM bills b GROUP BY b.family_id) f`, day(2026, time.March, 1)).Scan(&lo, &hi, &families)
	if err != nil {
		t.Fatal(err)
	}
	if lo != 0 || hi != 30 {
		t.Fatalf("unpaid past months range %d..%d over %d families, want 0..30", lo, hi, families)
	}
}

func TestSeedSamplesAreFoundByNIKAndByCardWithWhatTheySay(t *testing.T) {
	t.Parallel()
	s, rep := seeded(t, store.SeedOptions{Participants: 20_000, Seed: 5})
	whys := strings.Join(sampleWhys(rep.Samples), "|")
	for _, want := range []string{"active PBI_APBN", "active PBI_APBD", "active PPU", "active PBPU", "active BP",
		"REHAB-eligible", "status 9", "status 2", "status 6", "status 7", "status 15", "a month paid in part"} {
		if !strings.Contains(whys, want) {
			t.Errorf("no sample shows %q (have %s)", want, whys)
		}
	}
	ctx := context.Background()
	for _, smp := range rep.Samples {
		for _, id := range []struct {
			kind jkn.IDKind
			num  string
		}{{jkn.IDNIK, smp.NIK}, {jkn.IDCard, smp.Card}} {
			m, err := s.LookupMember(ctx, id.kind, id.num, smp.BirthDate, seedNow)
			if err != nil {
				t.Fatalf("%s by %v: %v", smp.Why, id.kind, err)
			}
			if m.Segment != smp.Segment || m.Status != smp.Status || m.MonthsInArrears != smp.MonthsInArrears ||
				m.Class != smp.Class || m.Name != smp.Name {
				t.Errorf("%s by %v: looked up %+v, sample says %+v", smp.Why, id.kind, m, smp)
			}
			checkBillShape(t, smp.Why, m)
		}
	}
}

// checkBillShape asserts what holds for any member: PBI and PPU are never in arrears, PBPU/BP inactive for arrears
// owe past months, and the total is the arrears plus this month when unpaid.
func checkBillShape(t *testing.T, why string, m jkn.Member) {
	if !m.Segment.PaysOwnContribution() && m.MonthsInArrears != 0 {
		t.Errorf("%s: a %s member in arrears", why, m.Segment)
	}
	if m.Segment.PaysOwnContribution() && m.Status == jkn.StatusInactiveArrears && m.MonthsInArrears == 0 {
		t.Errorf("%s: inactive for arrears with no arrears", why)
	}
	if m.MonthlyDue <= 0 || m.TotalOwed < 0 || m.TotalOwed != m.ArrearsOwed+m.CurrentMonthOwed ||
		m.CurrentMonthOwed > m.MonthlyDue {
		t.Errorf("%s: bill %d, owed this month %d, total %d, paid %v", why, m.MonthlyDue, m.CurrentMonthOwed,
			m.TotalOwed, m.CurrentMonthPaid)
	}
}

func sampleWhys(ss []store.Sample) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Why)
	}
	return out
}

func TestBillsFollowTheTariffInForceEachMonth(t *testing.T) {
	t.Parallel()
	// Bills reach back 30 months from March 2021: before July 2020 there is no tariff row, so no bill; class 3
	// PBPU/BP participants pay 25 500 a person until December 2020 and 35 000 from January 2021.
	s, _ := seeded(t, store.SeedOptions{Participants: 10_000, Seed: 9,
		Now: time.Date(2021, time.March, 15, 0, 0, 0, 0, time.UTC)})
	rows, err := s.Pool().Query(context.Background(), `
		WITH fam AS (SELECT family_id, min(segment) AS seg, min(class) AS cls, count(*) AS n
			FROM participants GROUP BY family_id)
		SELECT DISTINCT to_char(b.period, 'YYYY-MM') < '2021-01', b.amount / fam.n
		FROM bills b JOIN fam ON fam.family_id = b.family_id
		WHERE fam.seg IN ('PBPU', 'BP') AND fam.cls = 3`)
	if err != nil {
		t.Fatal(err)
	}
	type perPerson struct {
		Before2021 bool
		Amount     int64
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[perPerson])
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(a, b perPerson) int { return int(a.Amount - b.Amount) })
	want := []perPerson{{true, 25500}, {false, 35000}}
	if !slices.Equal(got, want) {
		t.Fatalf("class 3 bills per person: %+v, want %+v", got, want)
	}
	var first time.Time
	if err := s.Pool().QueryRow(context.Background(), "SELECT min(period) FROM bills").Scan(&first); err != nil {
		t.Fatal(err)
	}
	if !first.Equal(day(2020, time.July, 1)) {
		t.Fatalf("oldest bill %v, want July 2020: bills must not predate the tariffs", first)
	}
}

func TestSeedLeavesTheSchemaAsMigrated(t *testing.T) {
	t.Parallel()
	migrated := storetest.NewDB(t)
	s, _ := seeded(t, store.SeedOptions{Participants: 1000, Seed: 1})
	if a, b := schemaOf(t, migrated), schemaOf(t, s); !slices.Equal(a, b) {
		t.Fatalf("after seed the keys and indexes differ from the migrations:\nmigrated: %q\nseeded:   %q", a, b)
	}
}

func schemaOf(t *testing.T, s *store.Store) []string {
	rows, err := s.Pool().Query(context.Background(), `
		SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
		UNION ALL
		SELECT 'constraint ' || conname || ': ' || pg_get_constraintdef(oid) || ' valid=' || convalidated
		FROM pg_constraint WHERE connamespace = 'public'::regnamespace
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTheSeedMakesSomePartPaymentsAndTheLookUpReadsWhatIsStillOwed(t *testing.T) {
	t.Parallel()
	s, rep := seeded(t, store.SeedOptions{Participants: 5000, Seed: 11})
	var partMonths int
	err := s.Pool().QueryRow(context.Background(), `
		SELECT count(*) FROM bills b
		WHERE (SELECT coalesce(sum(p.amount), 0) FROM payments p WHERE p.family_id = b.family_id AND p.period = b.period)
			BETWEEN 1 AND b.amount - 1`).Scan(&partMonths)
	if err != nil {
		t.Fatal(err)
	}
	if partMonths < 20 {
		t.Fatalf("%d months paid in part among 5000 participants, want some (about 15%% of the families that owe)", partMonths)
	}
	for _, smp := range rep.Samples {
		if !strings.Contains(smp.Why, "paid in part") {
			continue
		}
		m, err := s.LookupMember(context.Background(), jkn.IDNIK, smp.NIK, smp.BirthDate, seedNow)
		if err != nil {
			t.Fatal(err)
		}
		march := day(2026, time.March, 1)
		var billed int64
		if err := s.Pool().QueryRow(context.Background(), `SELECT coalesce(sum(amount), 0) FROM bills
			WHERE family_id = $1 AND period < $2 AND period >= $3`, m.FamilyID, march,
			march.AddDate(0, -m.MonthsInArrears, 0)).Scan(&billed); err != nil {
			t.Fatal(err)
		}
		if m.MonthsInArrears == 0 || m.ArrearsOwed >= billed {
			t.Errorf("the sample who paid part of a month in arrears owes Rp%d over %d months, want less than the bills in full (Rp%d)",
				m.ArrearsOwed, m.MonthsInArrears, billed)
		}
		return
	}
	t.Fatal("no sample of a month paid in part")
}

func TestTheSeedsMonthIsJakartasWhateverTheZoneNowIsGivenIn(t *testing.T) {
	t.Parallel()
	// 00:30 WIB on 1 November is 17:30 UTC on 31 October: a server in UTC must still seed November's bills.
	s, _ := seeded(t, store.SeedOptions{Participants: 500, Seed: 2,
		Now: time.Date(2026, time.October, 31, 17, 30, 0, 0, time.UTC)})
	var last time.Time
	if err := s.Pool().QueryRow(context.Background(), "SELECT max(period) FROM bills").Scan(&last); err != nil {
		t.Fatal(err)
	}
	if !last.Equal(day(2026, time.November, 1)) {
		t.Fatalf("the newest bill is for %s, want November 2026", last.Format("January 2006"))
	}
}
