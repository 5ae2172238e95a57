package console

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// fieldOrLabel finds the tags that matter for labelling: labels opening and closing, and form fields.
var fieldOrLabel = regexp.MustCompile(`<(/?)(label|input|select|textarea)\b([^>]*)>`)

// firstFocusable is the first link, button or field in a page.
var firstFocusable = regexp.MustCompile(`<(a|button|input|select|textarea)\b[^>]*>`)

func TestEveryPageCanBeUsedByKeyboardAndScreenReaderFromItsSkipLinkToItsLabelledFields(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.logCall(testCall{id: "a11y-1", entry: "mobile", caller: testCaller, nik: testNIK, at: time.Now().Add(-time.Hour), ended: true})
	ana := h.signIn("ana", adminPassword)
	pages := map[string]string{"/signin": ""}
	for _, p := range []string{"/calls", "/calls/a11y-1", "/live", "/overview", "/admin/users", "/admin/audit"} {
		pages[p] = "ana"
	}
	for path, user := range pages {
		req := request{method: "GET", path: path}
		if user != "" {
			req.cookie = ana
		}
		r := h.do(req)
		if r.StatusCode != 200 {
			t.Errorf("%s: %d", path, r.StatusCode)
			continue
		}
		body := r.body
		if first := firstFocusable.FindString(body); !strings.Contains(first, `class="skip"`) || !strings.Contains(first, `href="#main"`) {
			t.Errorf("%s: the first thing Tab reaches is %s, want the skip link to #main", path, first)
		}
		if !strings.Contains(body, `<main id="main" tabindex="-1">`) {
			t.Errorf("%s: the skip link's target cannot take focus", path)
		}
		depth := 0
		for _, m := range fieldOrLabel.FindAllStringSubmatch(body, -1) {
			closing, tag, attrs := m[1] == "/", m[2], m[3]
			switch {
			case tag == "label" && closing:
				depth--
			case tag == "label":
				depth++
			case strings.Contains(attrs, `type="hidden"`) || strings.Contains(attrs, `type="submit"`):
			case depth == 0 && !strings.Contains(attrs, "aria-label"):
				t.Errorf("%s: a field with no label: %s", path, m[0])
			}
		}
	}
}
