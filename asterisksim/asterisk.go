package asterisksim

import (
	"net/http"
	"sort"
)

// /asterisk and /applications, shaped as Asterisk 22.10.1 answers them
// (sounds-list).

func (s *Server) asteriskInfo(w http.ResponseWriter, r *request) {
	ts := formatTS(s.started)
	writeJSON(w, http.StatusOK, map[string]any{
		"build": map[string]string{
			"os": "Linux", "kernel": "asterisksim", "machine": "x86_64",
			"options": "OPTIONAL_API", "date": formatTS(s.started), "user": "asterisksim",
		},
		"system": map[string]string{"version": "22.10.1", "entity_id": s.entityID},
		"config": map[string]any{
			"name": "", "default_language": s.opts.DefaultLanguage,
			"setid": map[string]string{"user": "", "group": ""},
		},
		"status": map[string]string{"startup_time": ts, "last_reload_time": ts},
	})
}

func (s *Server) asteriskPing(w http.ResponseWriter, r *request) {
	writeJSON(w, http.StatusOK, map[string]string{"asterisk_id": s.entityID, "ping": "pong", "timestamp": nowTS()})
}

type applicationJSON struct {
	Name             string   `json:"name"`
	ChannelIDs       []string `json:"channel_ids"`
	BridgeIDs        []string `json:"bridge_ids"`
	EndpointIDs      []string `json:"endpoint_ids"`
	DeviceNames      []string `json:"device_names"`
	EventsAllowed    []any    `json:"events_allowed"`
	EventsDisallowed []any    `json:"events_disallowed"`
}

// application describes a registered app. Must hold s.mu.
func (s *Server) application(name string) applicationJSON {
	a := applicationJSON{Name: name, ChannelIDs: []string{}, BridgeIDs: []string{}, EndpointIDs: []string{},
		DeviceNames: []string{}, EventsAllowed: []any{}, EventsDisallowed: []any{}}
	for _, ch := range s.channels {
		if ch.inStasis && ch.stasisApp == name {
			a.ChannelIDs = append(a.ChannelIDs, ch.id)
		}
	}
	sort.Strings(a.ChannelIDs)
	return a
}

// knownApps are the apps Asterisk still holds: those with a WebSocket, and those whose WebSocket went away while
// channels were in them. Asterisk deactivates an app when its socket closes (Stasis() to it fails from then on) but
// keeps it in its registry, channels listed, until no channel is left in it (res_stasis: app_is_finished). That is
// how a restarted app, or one that has just closed its socket at shutdown, finds the callers it left behind.
// Must hold s.mu.
func (s *Server) knownApps() []string {
	seen := map[string]bool{}
	for name := range s.apps {
		seen[name] = true
	}
	for _, ch := range s.channels {
		if ch.inStasis {
			seen[ch.stasisApp] = true
		}
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func (s *Server) listApplications(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	names := s.knownApps()
	out := make([]applicationJSON, len(names))
	for i, n := range names {
		out[i] = s.application(n)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getApplication(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	name := r.vars["applicationName"]
	_, ok := s.apps[name]
	a := s.application(name)
	ok = ok || len(a.ChannelIDs) > 0
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Application not found")
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// Connected says whether app has an event WebSocket now, that is whether Stasis() to it would succeed. GET
// /applications/{app} cannot tell: like Asterisk, the simulator lists an app whose socket went away while channels
// are still in it.
func (s *Server) Connected(app string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[app]
	return a != nil && a.conn != nil
}
