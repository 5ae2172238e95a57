package asterisksim

import (
	"net/http"
	"strconv"
	"strings"
)

// GET/POST /channels/{id}/variable (channel-variables). Functions the IVR
// and a caller driver use are computed from the channel; anything else is a
// plain channel variable. A variable set without a value is unset, which is
// why a later GET of it is 404 while STASISSTATUS="" is 200.

const (
	msgVarChannelNotFound = "Provided channel was not found"
	msgVarNameRequired    = "Variable name is required"
	msgVarNotFound        = "Provided variable was not found"
)

func (s *Server) getVariable(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	ch := s.lookupChannel(r.vars["channelId"])
	if ch == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, msgVarChannelNotFound)
		return
	}
	name := r.params.get("variable")
	if name == "" {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, msgVarNameRequired)
		return
	}
	v, ok := ch.variable(name)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, msgVarNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"value": v})
}

func (s *Server) setVariable(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.lookupChannel(r.vars["channelId"])
	if ch == nil {
		// Not the GET's "Provided channel was not found" (checked on the lab).
		writeError(w, http.StatusNotFound, msgChannelNotFound)
		return
	}
	name := r.params.get("variable")
	if name == "" {
		writeError(w, http.StatusBadRequest, msgVarNameRequired)
		return
	}
	value, has := r.params.vals["value"]
	s.setVar(ch, name, value, has)
	writeNoContent(w)
}

// variable reads a function or variable. Must hold s.mu.
func (ch *channel) variable(name string) (string, bool) {
	switch strings.ToUpper(name) {
	case "CALLERID(NUM)", "CALLERID(NUMBER)":
		return ch.caller.Number, true
	case "CALLERID(NAME)":
		return ch.caller.Name, true
	case "CALLERID(ALL)":
		return callerIDAll(ch.caller), true
	case "CONNECTEDLINE(NUM)", "CONNECTEDLINE(NUMBER)":
		return ch.connected.Number, true
	case "CONNECTEDLINE(NAME)":
		return ch.connected.Name, true
	case "CONNECTEDLINE(ALL)":
		return callerIDAll(ch.connected), true
	case "CHANNEL(NAME)", "CHANNEL":
		return ch.name, true
	case "CHANNEL(LANGUAGE)", "LANGUAGE()":
		return ch.language, true
	case "CHANNEL(CONTEXT)", "CONTEXT":
		return ch.dp.Context, true
	case "CHANNEL(EXTEN)", "EXTEN":
		return ch.dp.Exten, true
	case "CHANNEL(PRIORITY)", "PRIORITY":
		return strconv.Itoa(ch.dp.Priority), true
	case "CHANNEL(UNIQUEID)", "UNIQUEID":
		return ch.id, true
	case "CHANNEL(STATE)":
		return ch.state, true
	case "CHANNEL(CHANNELTYPE)":
		return "Local", true
	}
	v, ok := ch.vars[name]
	return v, ok
}

// setVar sets a function or plain variable. Plain variables set by an app
// or the dialplan emit ChannelVarset to the channel's subscribers; functions
// such as CHANNEL(language) do not. Must hold s.mu.
func (s *Server) setVar(ch *channel, name, value string, has bool) {
	switch strings.ToUpper(name) {
	case "CHANNEL(LANGUAGE)":
		// Both Local halves share it (checked on the lab: set on ;2, read on ;1).
		ch.language = value
		if ch.peer != nil {
			ch.peer.language = value
		}
		return
	case "CALLERID(NUM)", "CALLERID(NUMBER)":
		ch.caller.Number = value
		return
	case "CALLERID(NAME)":
		ch.caller.Name = value
		return
	case "CALLERID(ALL)":
		ch.caller = parseCallerID(value)
		return
	case "CONNECTEDLINE(NUM)", "CONNECTEDLINE(NUMBER)":
		ch.connected.Number = value
		return
	case "CONNECTEDLINE(NAME)":
		ch.connected.Name = value
		return
	}
	if !has {
		delete(ch.vars, name) // no event, as traced for EMPTY_ONE
		return
	}
	ch.vars[name] = value
	s.emit(evVarset(ch, name, value), ch)
}
