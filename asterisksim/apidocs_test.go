package asterisksim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
)

func getDoc(t *testing.T, sim *asterisksim.Server, name string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", sim.URL()+"/api-docs/"+name, nil)
	req.SetBasicAuth(sim.User(), sim.Password())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// TestAPIDocsDescribeExactlyTheServedRoutes: a swagger client that reads the documents calls every listed
// operation, and every route the simulator serves is listed, with Asterisk's nickname.
func TestAPIDocsDescribeExactlyTheServedRoutes(t *testing.T) {
	sim := traceSim(t, nil)
	st, res := getDoc(t, sim, "resources.json")
	if st != 200 || res["basePath"] != sim.URL() || res["swaggerVersion"] != "1.1" {
		t.Fatalf("resources.json: %d basePath %v swaggerVersion %v", st, res["basePath"], res["swaggerVersion"])
	}
	documented := 0
	for _, a := range res["apis"].([]any) {
		name := strings.TrimSuffix(strings.TrimPrefix(a.(map[string]any)["path"].(string), "/api-docs/"), ".{format}")
		st, doc := getDoc(t, sim, name+".json")
		if st != 200 || doc["resourcePath"] != "/api-docs/"+name+".{format}" || doc["basePath"] != sim.URL() {
			t.Fatalf("%s.json: %d %v", name, st, doc["resourcePath"])
		}
		for _, api := range doc["apis"].([]any) {
			api := api.(map[string]any)
			for _, op := range api["operations"].([]any) {
				op := op.(map[string]any)
				documented++
				path := strings.NewReplacer("{channelId}", "nope", "{playbackId}", "nope", "{soundId}", "nope",
					"{applicationName}", "nope").Replace(api["path"].(string))
				if path == "/events" {
					continue // a WebSocket upgrade, tested everywhere else
				}
				code, _ := ariCall(t, sim, op["httpMethod"].(string), path, nil)
				if code == 404 && !strings.Contains(path, "nope") || code == 405 {
					t.Errorf("%s %s (%s) is documented but not served: %d", op["httpMethod"], api["path"], op["nickname"], code)
				}
			}
		}
	}
	if documented != asterisksim.RouteCount() {
		t.Errorf("%d operations documented, %d routes served", documented, asterisksim.RouteCount())
	}
}

func TestAPIDocsAnswerUnknownDocumentsAndMethodsAsAsteriskDoes(t *testing.T) {
	sim := traceSim(t, nil)
	for _, tc := range []struct {
		name, method string
		status       int
	}{
		{"bridges.json", "GET", 404},
		{"channels.yaml", "GET", 404},
		{"resources.json", "POST", 405},
	} {
		req, _ := http.NewRequest(tc.method, sim.URL()+"/api-docs/"+tc.name, nil)
		req.SetBasicAuth(sim.User(), sim.Password())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.name, resp.StatusCode, tc.status)
		}
	}
}

// TestEveryEventACallProducesHasAModelInEventsJSON: Node's ari-client throws on an event type without a model.
func TestEveryEventACallProducesHasAModelInEventsJSON(t *testing.T) {
	sim := traceSim(t, nil)
	_, doc := getDoc(t, sim, "events.json")
	models := doc["models"].(map[string]any)
	vika, driver := dialApp(t, sim, "vika"), dialApp(t, sim, "driver")
	line, caller := call(t, sim, vika, driver)
	ariCall(t, sim, "POST", "/channels/"+line+"/play", url.Values{"media": {"sound:vika/short,sound:vika/missing"}, "lang": {"id"}})
	ariCall(t, sim, "POST", "/channels/"+caller+"/dtmf", url.Values{"dtmf": {"1"}})
	vika.next(2*time.Second, "PlaybackFinished")
	ariCall(t, sim, "DELETE", "/channels/"+caller, nil)
	driver.next(2*time.Second, "ChannelDestroyed")
	seen := map[string]bool{}
	for _, a := range []*rawApp{vika, driver} {
		for drained := false; !drained; {
			select {
			case ev := <-a.events:
				seen[ev["type"].(string)] = true
			case <-time.After(200 * time.Millisecond):
				drained = true
			}
		}
	}
	for typ := range seen {
		if models[typ] == nil {
			t.Errorf("event %s has no model in events.json", typ)
		}
	}
	sub := models["Event"].(map[string]any)["subTypes"].([]any)
	for typ := range models {
		if typ != "Message" && typ != "Event" && !slices.Contains(sub, any(typ)) {
			t.Errorf("model %s is not among Event's subTypes", typ)
		}
	}
}
