package console

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/vika-jkn/vika/store"
)

// Chart geometry: the charts are SVG drawn here on the server, sized for a 1366-pixel-wide laptop screen.
const (
	chartWidth  = 900
	chartHeight = 180
	barWidth    = 560
)

type overviewView struct {
	Day, Span   string
	Prev, Next  string
	Title       string
	O           store.Overview
	Hours       []hourBar
	Ticks       []tick
	MaxHour     int64
	ChartWidth  int
	ChartHeight int
	Outcomes    []hbar
	Funnel      []hbar
	Keys        []hbar
	Message     string
}

type hourBar struct {
	X, W     float64
	Segments []segment
	Label    string
}

type segment struct {
	Y, H  float64
	Class string
	Title string
}

type tick struct {
	X     float64
	Label string
}

// hbar is one horizontal bar with its label and count.
type hbar struct {
	Label string
	N     int64
	W     float64
	Share string
}

func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) {
	loc := s.opts.Location
	v := overviewView{Span: r.URL.Query().Get("span"), Day: r.URL.Query().Get("day"), ChartWidth: chartWidth, ChartHeight: chartHeight}
	if v.Span != "week" {
		v.Span = "day"
	}
	day, err := time.ParseInLocation(time.DateOnly, v.Day, loc)
	if err != nil {
		if v.Day != "" {
			v.Message = fmt.Sprintf("%q is not a date (2006-01-02); showing today.", v.Day)
		}
		now := s.opts.Now().In(loc)
		day = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	}
	days := 1
	if v.Span == "week" {
		days = 7
	}
	from, to := day, day.AddDate(0, 0, days)
	v.Day = day.Format(time.DateOnly)
	v.Prev = fmt.Sprintf("/overview?span=%s&day=%s", v.Span, day.AddDate(0, 0, -days).Format(time.DateOnly))
	v.Next = fmt.Sprintf("/overview?span=%s&day=%s", v.Span, to.Format(time.DateOnly))
	v.Title = day.Format("Mon 2 Jan 2006")
	if days > 1 {
		v.Title += " – " + to.AddDate(0, 0, -1).Format("Mon 2 Jan 2006")
	}
	o, err := s.opts.Data.Overview(r.Context(), from, to, loc)
	if err != nil {
		s.fail(w, r, "overview", err)
		return
	}
	v.O = o
	v.Hours, v.Ticks, v.MaxHour = hourBars(o.Hourly, from, days, loc)
	v.Outcomes = outcomeBars(o)
	f := o.Funnel
	v.Funnel = bars(o.Calls, []string{"called", "chose 1 or 2", "keyed a number", "keyed a birth date", "heard a readout"},
		[]int64{f.Arrived, f.Chose, f.Number, f.BirthDate, f.Readout})
	v.Keys = bars(o.Key1+o.Key2, []string{"1 · status", "2 · contributions"}, []int64{o.Key1, o.Key2})
	s.render(w, r, http.StatusOK, "overview", "Overview", v)
}

// hourBars lays out one stacked bar per hour, mobile (165) below landline (021-165).
func hourBars(hourly []store.HourCount, from time.Time, days int, loc *time.Location) ([]hourBar, []tick, int64) {
	n := 24 * days
	byHour := make([]map[string]int64, n)
	totals := make([]int64, n)
	var peak int64
	for _, h := range hourly {
		i := int(h.Hour.Sub(from) / time.Hour)
		if i < 0 || i >= n {
			continue
		}
		if byHour[i] == nil {
			byHour[i] = map[string]int64{}
		}
		byHour[i][h.Entry] += h.Calls
		totals[i] += h.Calls
		peak = max(peak, totals[i])
	}
	slot := float64(chartWidth) / float64(n)
	bars := make([]hourBar, n)
	var ticks []tick
	for i := range bars {
		start := from.Add(time.Duration(i) * time.Hour).In(loc)
		b := hourBar{X: float64(i)*slot + slot*0.1, W: slot * 0.8, Label: fmt.Sprintf("%s: %d calls", start.Format("Mon 15:00"), totals[i])}
		y := float64(chartHeight)
		for _, entry := range []string{"mobile", "landline", ""} {
			c := byHour[i][entry]
			if c == 0 || peak == 0 {
				continue
			}
			h := float64(c) / float64(peak) * (chartHeight - 10)
			y -= h
			b.Segments = append(b.Segments, segment{Y: y, H: h, Class: "entry-" + entryClass(entry),
				Title: fmt.Sprintf("%s %s: %d", start.Format("Mon 15:00"), entryLabel(entry), c)})
		}
		bars[i] = b
		if (days == 1 && start.Hour()%3 == 0) || (days > 1 && start.Hour() == 0) {
			label := start.Format("15:00")
			if days > 1 {
				label = start.Format("Mon 2")
			}
			ticks = append(ticks, tick{X: float64(i) * slot, Label: label})
		}
	}
	return bars, ticks, peak
}

func entryClass(entry string) string {
	if entry == "" {
		return "unknown"
	}
	return entry
}

func outcomeBars(o store.Overview) []hbar {
	type kv struct {
		k string
		n int64
	}
	var list []kv
	for k, n := range o.Outcomes {
		if k == "" {
			k = "in progress"
		}
		list = append(list, kv{k, n})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].n > list[j].n || list[i].n == list[j].n && list[i].k < list[j].k })
	labels, counts := make([]string, len(list)), make([]int64, len(list))
	for i, e := range list {
		labels[i], counts[i] = e.k, e.n
	}
	return bars(o.Calls, labels, counts)
}

// bars scales counts to the bar width against the largest, and gives each its share of total.
func bars(total int64, labels []string, counts []int64) []hbar {
	var peak int64
	for _, c := range counts {
		peak = max(peak, c)
	}
	out := make([]hbar, len(labels))
	for i := range labels {
		b := hbar{Label: labels[i], N: counts[i], Share: "–"}
		if peak > 0 {
			b.W = float64(counts[i]) / float64(peak) * barWidth
		}
		if total > 0 {
			b.Share = fmt.Sprintf("%.0f%%", 100*float64(counts[i])/float64(total))
		}
		out[i] = b
	}
	return out
}
