package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vika-jkn/vika/prompts"
)

// ARI is where and as whom the checks reach Asterisk.
type ARI struct {
	URL, User, Password string
	App                 string // the Stasis application name (ari.app)
	// AppInUseOK says that the app being connected is expected (vika serve runs on this box): then it is ok.
	AppInUseOK bool
}

// Route is a dialled number that must reach the app: extension Exten in dialplan context Context.
type Route struct{ Context, Exten string }

// ARIChecks are the checks of Asterisk over ARI: reachable and credentials, the app's name, the routes, the prompts
// in lang. When ARI cannot be reached the later checks say so and stop there rather than fail again.
func ARIChecks(a ARI, routes []Route, lang string) []Check {
	var reached bool
	skip := func() (Result, bool) {
		if !reached {
			return Warnf("", "not checked: ARI not reachable"), true
		}
		return Result{}, false
	}
	checks := []Check{{Name: "ari", Run: func(ctx context.Context) Result {
		r := a.reach(ctx)
		reached = r.Status == OK
		return r
	}}, {Name: "ari app", Run: func(ctx context.Context) Result {
		if r, skipped := skip(); skipped {
			return r
		}
		return a.appFree(ctx)
	}}}
	for _, rt := range routes {
		checks = append(checks, Check{Name: "dialplan " + rt.Exten, Run: func(ctx context.Context) Result {
			if r, skipped := skip(); skipped {
				return r
			}
			return a.route(ctx, rt)
		}})
	}
	checks = append(checks, Check{Name: "prompts", Run: func(ctx context.Context) Result {
		if r, skipped := skip(); skipped {
			return r
		}
		missing, err := prompts.Check(ctx, prompts.ARISounds{URL: a.URL, User: a.User, Password: a.Password}, lang)
		if err != nil {
			return Failf("check ARI's /sounds (res_ari_sounds loaded)", "cannot list Asterisk's sounds: %v", err)
		}
		if len(missing) > 0 {
			return Failf("make install (or copy prompts/sounds/"+lang+"/vika into Asterisk's sounds directory), then `asterisk -rx 'module reload res_ari_sounds'`",
				"Asterisk lacks %d of %d prompts in language %q (first: %s)", len(missing), len(prompts.Catalogue().IDs()), lang, missing[0])
		}
		return Ok("all %d prompts present in Asterisk's sounds, language %q", len(prompts.Catalogue().IDs()), lang)
	}})
	return checks
}

func (a ARI) get(ctx context.Context, path string) (int, []byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(a.URL, "/")+path, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	req.SetBasicAuth(a.User, a.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, resp.Header, err
}

func (a ARI) reach(ctx context.Context) Result {
	code, body, hdr, err := a.get(ctx, "/asterisk/info")
	switch {
	case err != nil:
		return Failf("start Asterisk, enable http.conf (enabled=yes, bindaddr/bindport) and load ari.conf; check ari.url",
			"cannot reach ARI at %s: %v", a.URL, shortErr(err))
	case code == http.StatusUnauthorized:
		return Failf("make ari.user and VIKA_ARI_PASSWORD match a [user] section of Asterisk's ari.conf",
			"ARI at %s rejects user %q (401)", a.URL, a.User)
	case code != http.StatusOK:
		return Failf("ari.url must be the ARI base, e.g. http://127.0.0.1:8088/ari", "ARI at %s answers %d to /asterisk/info", a.URL, code)
	}
	var info struct {
		System struct {
			Version  string `json:"version"`
			EntityID string `json:"entity_id"`
		} `json:"system"`
	}
	_ = json.Unmarshal(body, &info)
	detail := fmt.Sprintf("%s reached as %q: Asterisk %s", a.URL, a.User, info.System.Version)
	if skew, ok := clockSkew(hdr); ok && skew > 2*time.Second {
		return Warnf("synchronise both clocks (systemd-timesyncd or chrony)", "%s; its clock is %s off this one", detail, skew.Round(time.Second))
	}
	return Ok("%s", detail)
}

func (a ARI) appFree(ctx context.Context) Result {
	code, _, _, err := a.get(ctx, "/applications/"+url.PathEscape(a.App))
	switch {
	case err != nil:
		return Failf("", "cannot ask ARI about application %q: %v", a.App, shortErr(err))
	case code == http.StatusNotFound:
		return Ok("application %q is free (no process holds it)", a.App)
	case code == http.StatusOK && a.AppInUseOK:
		return Ok("application %q is connected (vika serve is running)", a.App)
	case code == http.StatusOK:
		return Warnf("stop the other process (systemctl status vika) or give this one another ari.app; two vika on one app share its calls",
			"application %q is already connected by another process", a.App)
	}
	return Warnf("", "ARI answers %d about application %q", code, a.App)
}

// route asks Asterisk whether the extension exists, with the dialplan function DIALPLAN_EXISTS evaluated through
// GET /asterisk/variable. ARI cannot show which application the extension runs: that part is left to the operator.
// Asterisk 22 reads only global variables there and answers 200 with an empty value for any function (checked on
// the lab's 22.10.1: LEN(abc) is ""), which would read as "no such extension" for a dialplan that routes the call;
// so a function with a known value is asked first, and where it is not evaluated the check says to look by hand.
func (a ARI) route(ctx context.Context, rt Route) Result {
	show := fmt.Sprintf("asterisk -rx 'dialplan show %s@%s'", rt.Exten, rt.Context)
	byHand := "check by hand: " + show + " should run Stasis(" + a.App + ",...)"
	if v, code, err := a.variable(ctx, "LEN(vika)"); err != nil {
		return Failf("", "cannot ask ARI: %v", shortErr(err))
	} else if code != http.StatusOK || v != "4" {
		return Warnf(byHand, "this ARI does not evaluate dialplan functions in GET /asterisk/variable")
	}
	v, code, err := a.variable(ctx, fmt.Sprintf("DIALPLAN_EXISTS(%s,%s,1)", rt.Context, rt.Exten))
	if err != nil {
		return Failf("", "cannot ask ARI: %v", shortErr(err))
	}
	if code != http.StatusOK {
		return Warnf(byHand, "this ARI cannot evaluate dialplan functions (%d to GET /asterisk/variable)", code)
	}
	if v != "1" {
		return Failf("install asterisk-conf/extensions.conf (or include it) and `asterisk -rx 'dialplan reload'`",
			"extension %s does not exist in context %s", rt.Exten, rt.Context)
	}
	return Ok("%s@%s exists (ARI cannot show that it runs Stasis(%s,...): %s does)", rt.Exten, rt.Context, a.App, show)
}

// variable reads GET /asterisk/variable: the value and the HTTP status.
func (a ARI) variable(ctx context.Context, name string) (string, int, error) {
	code, body, _, err := a.get(ctx, "/asterisk/variable?"+url.Values{"variable": {name}}.Encode())
	if err != nil || code != http.StatusOK {
		return "", code, err
	}
	var v struct {
		Value string `json:"value"`
	}
	_ = json.Unmarshal(body, &v)
	return v.Value, code, nil
}

// clockSkew is how far the server's Date header is from this clock.
func clockSkew(h http.Header) (time.Duration, bool) {
	t, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return 0, false
	}
	d := time.Since(t)
	if d < 0 {
		d = -d
	}
	return d, true
}

// shortErr drops the URL net/http repeats in front of the cause.
func shortErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
