package prompts

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// ariSounds answers GET /ari/sounds as Asterisk 22 does in ../shared/ari-traces/sounds-list.jsonl: basic auth,
// ?lang filtering the formats, WAV listed as "slin", 404 with a message when nothing matches.
func ariSounds(t *testing.T, sounds []Sound) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if u, p, ok := r.BasicAuth(); !ok || u != "vika" || p != "vika" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"Authentication required"}`))
			return
		}
		if r.URL.Path != "/ari/sounds" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"Resource not found"}`))
			return
		}
		list := filterLang(sounds, r.URL.Query().Get("lang"))
		if len(list) == 0 {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"message":"No sounds found that matched the query"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(list)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func filterLang(sounds []Sound, lang string) []Sound {
	var out []Sound
	for _, s := range sounds {
		var fs []SoundFormat
		for _, f := range s.Formats {
			if lang == "" || f.Language == lang {
				fs = append(fs, f)
			}
		}
		if len(fs) > 0 {
			out = append(out, Sound{ID: s.ID, Formats: fs})
		}
	}
	return out
}

func installed(except ...string) []Sound {
	var sounds []Sound
	for _, id := range Catalogue().IDs() {
		if slices.Contains(except, id) {
			continue
		}
		sounds = append(sounds, Sound{ID: "vika/" + id, Formats: []SoundFormat{{"id", "slin"}, {"id", "ulaw"}}})
	}
	return sounds
}

func TestCheckListsThePromptsAsteriskCannotPlayInIndonesian(t *testing.T) {
	t.Parallel()
	sounds := installed("goodbye", "num-7")
	// welcome exists, but only in English: a caller on an "id" channel would not hear it.
	sounds = append(sounds, Sound{ID: "vika/goodbye", Formats: []SoundFormat{{"en", "slin"}}})
	srv := ariSounds(t, sounds)
	missing, err := Check(context.Background(), ARISounds{URL: srv.URL + "/ari", User: "vika", Password: "vika"}, "id")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(missing, []string{"goodbye", "num-7"}) {
		t.Errorf("missing %v, want [goodbye num-7]", missing)
	}
}

func TestCheckOfAnAsteriskWithNoIndonesianSoundsListsEveryPrompt(t *testing.T) {
	t.Parallel()
	srv := ariSounds(t, nil)
	missing, err := Check(context.Background(), ARISounds{URL: srv.URL + "/ari/", User: "vika", Password: "vika"}, "id")
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) != len(Catalogue().IDs()) {
		t.Errorf("%d missing, want all %d", len(missing), len(Catalogue().IDs()))
	}
}

func TestCheckWithWrongCredentialsSaysWhatAsteriskSaid(t *testing.T) {
	t.Parallel()
	srv := ariSounds(t, installed())
	_, err := Check(context.Background(), ARISounds{URL: srv.URL + "/ari", User: "vika", Password: "nope"}, "id")
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "Authentication required") {
		t.Errorf("error %v, want the 401 and Asterisk's message", err)
	}
}

func TestCheckOfACompleteAsteriskFindsNothingMissing(t *testing.T) {
	t.Parallel()
	srv := ariSounds(t, installed())
	missing, err := Check(context.Background(), ARISounds{URL: srv.URL + "/ari", User: "vika", Password: "vika"}, "id")
	if err != nil || len(missing) != 0 {
		t.Errorf("missing %v, err %v", missing, err)
	}
}
