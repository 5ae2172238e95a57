package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/vika-jkn/vika/jkn"
)

// The look-up is one SQL statement, so one round trip: the participant, their family's virtual account, this
// month's bill and the arrears, all computed from bills and payments at the time of the call.
//
// Definitions, all per family, in DOMAIN terms:
//   - What is still owed on a month is its bill minus the payments for that month made at or before now (never
//     below zero). The month is paid when nothing is owed. The date of payment does not matter otherwise: a payment
//     on the 11th (after the due date, the 10th) settles the month, since there has been no late fee since July 2016.
//   - A month paid in part is not paid: coverage needs each month paid in full, so it counts as one whole month in
//     arrears (toward "months in arrears", the 24-month cap, and REHAB's 4-to-24 months and its stages) while only
//     what is still owed on it is added to the arrears and the total. A participant who paid Rp20.000 of a Rp35.000
//     month hears one month in arrears and Rp15.000 for it.
//   - A month is in arrears at now when it is before now's month (period < $month) and not paid.
//     This month's bill is never arrears, even after the 10th: coverage only stops when a month ends unpaid.
//   - Months in arrears counts those months, at most 24: the most recent 24 are what reactivation bills. The
//     months beyond are counted too (UnpaidMonths), so the caller can be told that at most 24 are billed.
//   - This month may have no bill yet (issued late, or a new participant): then nothing is owed for it and the
//     readout says so instead of reading an amount of zero.
//   - The total owed is what is still owed on the billed months in arrears plus what is still owed on this month.
//
// The birth date is part of the WHERE clause, so a wrong date and an unknown number are the same empty result.
const lookupSQL = `
WITH m AS (
	SELECT p.name, p.sex, p.birth_date, p.status_code, p.segment, p.class, p.fktp, p.family_id, f.virtual_account
	FROM participants p
	JOIN families f ON f.id = p.family_id
	WHERE p.%s = $1 AND p.birth_date = $2
), b AS (
	SELECT bl.period, bl.amount,
		greatest(bl.amount - coalesce((SELECT sum(py.amount) FROM payments py
			WHERE py.family_id = bl.family_id AND py.period = bl.period AND py.paid_at <= $4), 0), 0) AS owed
	FROM bills bl
	WHERE bl.family_id = (SELECT family_id FROM m) AND bl.period <= $3
), unpaid AS (
	SELECT period, owed FROM b WHERE period < $3 AND owed > 0
), arrears AS (
	SELECT count(*) AS months, coalesce(sum(owed), 0) AS owed
	FROM (SELECT owed FROM unpaid ORDER BY period DESC LIMIT $5) u
)
SELECT m.name, m.sex, m.birth_date, m.status_code, m.segment, m.class, m.fktp, m.family_id, m.virtual_account,
	cur.period IS NOT NULL, coalesce(cur.amount, 0), coalesce(cur.owed, 0), a.months, a.owed,
	(SELECT count(*) FROM unpaid)
FROM m
CROSS JOIN arrears a
LEFT JOIN b cur ON cur.period = $3`

var errUnknownKind = errors.New("identity number is neither a NIK nor a card number")

var (
	lookupByNIK  = fmt.Sprintf(lookupSQL, "nik")
	lookupByCard = fmt.Sprintf(lookupSQL, "card_number")
)

// LookupMember finds the participant with the given NIK or card number and birth date and computes their bill as of
// now (see lookupSQL for what counts as arrears). Not found and a wrong birth date both return ErrNotFound.
// now's location decides which month is "this month" and when the 10th falls, so pass it in WIB (Asia/Jakarta),
// where BPJS's months begin: at 00:30 WIB on 1 November a UTC-located now is still in October. The member's AsOf is
// now as given. birth is read as a calendar date whatever its location.
func (s *Store) LookupMember(ctx context.Context, kind jkn.IDKind, number string, birth, now time.Time) (jkn.Member, error) {
	query := lookupByNIK
	switch kind {
	case jkn.IDNIK:
	case jkn.IDCard:
		query = lookupByCard
	default:
		return jkn.Member{}, fmt.Errorf("lookup %s: %w", jkn.Mask(number), errUnknownKind)
	}
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	birthDay := time.Date(birth.Year(), birth.Month(), birth.Day(), 0, 0, 0, 0, time.UTC)
	m := jkn.Member{IDKind: kind, Masked: jkn.Mask(number), DueDate: jkn.DueDate(now), AsOf: now}
	var status, class int16
	var segment string
	err := s.pool.QueryRow(ctx, query, number, birthDay, month, now, jkn.MaxBilledArrears).Scan(
		&m.Name, &m.Sex, &m.BirthDate, &status, &segment, &class, &m.FKTP, &m.FamilyID, &m.VirtualAccount,
		&m.CurrentMonthBilled, &m.MonthlyDue, &m.CurrentMonthOwed, &m.MonthsInArrears, &m.ArrearsOwed, &m.UnpaidMonths)
	if errors.Is(err, pgx.ErrNoRows) {
		return jkn.Member{}, ErrNotFound
	}
	if err != nil {
		return jkn.Member{}, fmt.Errorf("lookup %s: %w", jkn.Mask(number), err)
	}
	m.Status, m.Segment, m.Class = jkn.Status(status), jkn.Segment(segment), int(class)
	m.CurrentMonthPaid = m.CurrentMonthBilled && m.CurrentMonthOwed == 0
	m.TotalOwed = m.ArrearsOwed + m.CurrentMonthOwed
	return m, nil
}
