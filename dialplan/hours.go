package dialplan

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vika-jkn/vika/prompts"
)

// Hours are the agents' opening hours as BPJS publishes them, set by the operator: on the listed weekdays, from Open
// to Close in the time zone (Asia/Jakarta for BPJS), except on the listed holidays. Close "24:00" means until
// midnight; a Close before Open spans midnight (it is then the next day's early hours that count as open, on the day
// the shift started, and a holiday closes the shift that starts on it). VIKA has no hours of its own: a flow without
// agent.hours transfers at any hour, as Care Center 165 is reachable around the clock.
type Hours struct {
	TimeZone string   `yaml:"timezone"`
	Days     []string `yaml:"days"` // mon tue wed thu fri sat sun
	Open     string   `yaml:"open"` // "08:00"
	Close    string   `yaml:"close"`
	Holidays []string `yaml:"holidays"` // dates, "2026-12-25": no agents all day

	loc         *time.Location
	days        [7]bool // by time.Weekday
	open, close int     // minutes after midnight
	holidays    map[string]bool
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// compile checks and parses the hours once, at load; it names the offending field.
func (h *Hours) compile(place string) error {
	loc, err := time.LoadLocation(h.TimeZone)
	if err != nil || h.TimeZone == "" {
		return fmt.Errorf("%s.timezone: unknown time zone %q", place, h.TimeZone)
	}
	h.loc = loc
	if len(h.Days) == 0 {
		return fmt.Errorf("%s.days: missing", place)
	}
	h.days = [7]bool{}
	for i, d := range h.Days {
		wd, ok := weekdays[strings.ToLower(d)]
		if !ok {
			return fmt.Errorf("%s.days[%d]: unknown day %q (mon tue wed thu fri sat sun)", place, i, d)
		}
		h.days[wd] = true
	}
	if h.open, err = clockMinutes(h.Open); err != nil {
		return fmt.Errorf("%s.open: %w", place, err)
	}
	if h.close, err = clockMinutes(h.Close); err != nil {
		return fmt.Errorf("%s.close: %w", place, err)
	}
	if h.open == h.close {
		return fmt.Errorf("%s: open and close are both %s", place, h.Open)
	}
	h.holidays = map[string]bool{}
	for i, d := range h.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return fmt.Errorf("%s.holidays[%d]: %q is not a date (want YYYY-MM-DD)", place, i, d)
		}
		h.holidays[d] = true
	}
	return nil
}

// clockMinutes parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
func clockMinutes(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(mm) != 2 || h < 0 || m < 0 || m > 59 || h*60+m > 24*60 {
		return 0, fmt.Errorf("want HH:MM between 00:00 and 24:00, got %q", s)
	}
	return h*60 + m, nil
}

// IsOpen says whether agents take calls at t. Nil Hours (none configured) are always open.
func (h *Hours) IsOpen(t time.Time) bool {
	if h == nil {
		return true
	}
	t = t.In(h.loc)
	now := t.Hour()*60 + t.Minute()
	if h.open < h.close {
		return h.works(t) && now >= h.open && now < h.close
	}
	// The shift spans midnight: the evening part belongs to today, the early hours to yesterday's shift.
	if now >= h.open {
		return h.works(t)
	}
	return now < h.close && h.works(t.AddDate(0, 0, -1))
}

// works says whether a shift starts on t's day: a listed weekday that is no holiday.
func (h *Hours) works(t time.Time) bool {
	return h.days[t.Weekday()] && !h.holidays[t.Format(time.DateOnly)]
}

// OpenAt and CloseAt give the opening and closing time of day as hours and minutes, for reading them out.
func (h *Hours) OpenAt() (hour, minute int) { return h.open / 60, h.open % 60 }

// CloseAt is the closing time of day; 24:00 is returned as 24, 0.
func (h *Hours) CloseAt() (hour, minute int) { return h.close / 60, h.close % 60 }

// Schedule is the hours as the caller hears them, named in the zone as it is at t ("WIB" in Asia/Jakarta).
func (h *Hours) Schedule(t time.Time) prompts.Schedule {
	s := prompts.Schedule{
		Open:     time.Duration(h.open) * time.Minute,
		Close:    time.Duration(h.close) * time.Minute,
		Holidays: len(h.holidays) > 0,
	}
	s.Zone, _ = t.In(h.loc).Zone()
	for d, on := range h.days {
		if on {
			s.Days = append(s.Days, time.Weekday(d))
		}
	}
	return s
}
