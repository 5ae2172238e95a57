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

func (s *Server) listApplications(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	names := make([]string, 0, len(s.apps))
	for name := range s.apps {
		names = append(names, name)
	}
	sort.Strings(names)
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
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "Application not found")
		return
	}
	writeJSON(w, http.StatusOK, a)
}
