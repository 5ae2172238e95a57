package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/vika-jkn/vika/prompts"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages holds one template set per page, each the layout plus that page's "content".
type pages struct {
	byName map[string]*template.Template
}

func loadPages(loc *time.Location) (*pages, error) {
	funcs := template.FuncMap{
		"when": func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04:05") },
		"clock": func(t time.Time) string {
			return t.In(loc).Format("15:04:05")
		},
		"ms": func(ms *int64) string {
			if ms == nil {
				return "in progress"
			}
			return fmtDuration(time.Duration(*ms) * time.Millisecond)
		},
		"dur":        fmtDuration,
		"entryLabel": entryLabel,
		"promptText": func(id string) string { t, _ := prompts.Catalogue().Text(id); return t },
		"pct": func(n, of int64) string {
			if of == 0 {
				return "–"
			}
			return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
		},
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := templateNames()
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range names {
		t, err := template.Must(layout.Clone()).ParseFS(templateFiles, "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		p.byName[strings.TrimSuffix(name, ".html")] = t
	}
	return p, nil
}

func templateNames() ([]string, error) {
	entries, err := templateFiles.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Name() != "layout.html" && path.Ext(e.Name()) == ".html" {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// view is what every page template gets: the signed-in user, the page's title and nav item, and its own data.
type view struct {
	User  *who
	Title string
	Nav   string
	Data  any
}

// render executes a page into a buffer first, so a template error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	t, ok := s.pages.byName[page]
	if !ok {
		s.fail(w, r, "render", fmt.Errorf("no page %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", view{User: userOf(r), Title: title, Nav: page, Data: data}); err != nil {
		s.fail(w, r, "render "+page, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	default:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
}

// entryLabel is the number the caller dialled for an entry.
func entryLabel(entry string) string {
	switch entry {
	case "mobile":
		return "165"
	case "landline":
		return "021-165"
	}
	return entry
}
