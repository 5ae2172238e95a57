package prompts

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// SoundLister is the one ARI request Check needs: GET /ari/sounds?lang=<lang>.
//
// Check does not take an ari.Client because the native client of CyCoreSystems/ari v5.3.1 cannot answer this:
// Sound().List decodes a "name" field while Asterisk sends "id" (every key comes back empty), and Sound().Data puts
// "vika/welcome" in the path unescaped, which Asterisk answers with 404 (see ../shared/ari-traces "Sounds").
type SoundLister interface {
	ListSounds(ctx context.Context, lang string) ([]Sound, error)
}

// Sound is one entry of GET /ari/sounds: "vika/welcome" with the languages and formats Asterisk found for it.
// A .wav or .sln file is listed as format "slin".
type Sound struct {
	ID      string        `json:"id"`
	Formats []SoundFormat `json:"formats"`
}

// SoundFormat is one language and format a sound exists in.
type SoundFormat struct {
	Language string `json:"language"`
	Format   string `json:"format"`
}

// Check asks Asterisk which catalogue prompts it cannot play in lang ("id"), and lists them in catalogue order.
// A prompt counts as present when Asterisk lists it as vika/<id> in that language in any format: it lists only
// formats it has a module for, so any listed format is playable.
func Check(ctx context.Context, sounds SoundLister, lang string) (missing []string, err error) {
	return CheckIDs(ctx, sounds, lang, Catalogue().IDs())
}

// CheckIDs is Check for a given list of prompt ids.
func CheckIDs(ctx context.Context, sounds SoundLister, lang string, ids []string) (missing []string, err error) {
	list, err := sounds.ListSounds(ctx, lang)
	if err != nil {
		return nil, fmt.Errorf("prompts check: %w", err)
	}
	have := make(map[string]bool, len(list))
	for _, s := range list {
		for _, f := range s.Formats {
			if f.Language == lang {
				have[s.ID] = true
			}
		}
	}
	for _, id := range ids {
		if !have["vika/"+id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// ARISounds lists sounds over Asterisk's REST interface.
type ARISounds struct {
	URL      string // the ARI base, e.g. http://127.0.0.1:8088/ari
	User     string
	Password string
	HTTP     *http.Client // default http.DefaultClient; the context bounds the request
}

// ListSounds sends GET <URL>/sounds?lang=<lang>. Asterisk answers 404 "No sounds found that matched the query"
// when no sound exists in that language: that is an empty list, not an error.
func (a ARISounds) ListSounds(ctx context.Context, lang string) ([]Sound, error) {
	u := strings.TrimSuffix(a.URL, "/") + "/sounds?" + url.Values{"lang": {lang}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(a.User, a.Password)
	client := a.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET /sounds: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("GET /sounds: %w", err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
		var list []Sound
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, fmt.Errorf("GET /sounds: %w", err)
		}
		return list, nil
	case http.StatusNotFound:
		if ariMessage(body) == "No sounds found that matched the query" {
			return nil, nil
		}
	}
	return nil, fmt.Errorf("GET /sounds: %s: %s", resp.Status, ariMessage(body))
}

// ariMessage is the "message" of an ARI error body, or the body itself.
func ariMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		return e.Message
	}
	return strings.TrimSpace(string(body))
}
