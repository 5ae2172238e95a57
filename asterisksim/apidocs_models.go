package asterisksim

// The Swagger models of the api-docs, per resource document as Asterisk 22 places them. Property names and
// types are Asterisk's; they are the JSON the simulator sends. Swagger clients need them: Node's ari-client
// looks up each incoming event's model in events.json and turns every property whose type is a resource
// (Channel, Playback) into an object with methods, and it fails on an event type it has no model for — so
// every event the simulator emits has a model here (TestEveryEmittedEventHasAModel).

type apiModel struct {
	id, desc string
	props    []apiProp
	subTypes []string
}

type apiProp struct {
	name, typ string
	required  bool
	allowed   []string
}

func prop(name, typ string) apiProp    { return apiProp{name: name, typ: typ, required: true} }
func optProp(name, typ string) apiProp { return apiProp{name: name, typ: typ} }

// emittedEvents are the event types the simulator produces (events.go, local.go, playbacks.go, dialplan.go).
var emittedEvents = []apiModel{
	{id: "StasisStart", desc: "A channel entered a Stasis application.", props: []apiProp{prop("args", "List[string]"), prop("channel", "Channel"), optProp("replace_channel", "Channel")}},
	{id: "StasisEnd", desc: "A channel left a Stasis application.", props: []apiProp{prop("channel", "Channel")}},
	{id: "ChannelStateChange", desc: "A channel's state changed.", props: []apiProp{prop("channel", "Channel")}},
	{id: "ChannelDialplan", desc: "A channel changed its dialplan location.", props: []apiProp{prop("channel", "Channel"), prop("dialplan_app", "string"), prop("dialplan_app_data", "string")}},
	{id: "ChannelVarset", desc: "A channel variable changed.", props: []apiProp{prop("variable", "string"), prop("value", "string"), optProp("channel", "Channel")}},
	{id: "ChannelCallerId", desc: "A channel's caller id changed.", props: []apiProp{prop("caller_presentation", "int"), prop("caller_presentation_txt", "string"), prop("channel", "Channel")}},
	{id: "ChannelConnectedLine", desc: "A channel's connected line changed.", props: []apiProp{prop("channel", "Channel")}},
	{id: "Dial", desc: "A dial on a Local channel progressed.", props: []apiProp{optProp("caller", "Channel"), prop("peer", "Channel"), optProp("forward", "string"), optProp("forwarded", "Channel"), optProp("dialstring", "string"), prop("dialstatus", "string")}},
	{id: "ChannelDtmfReceived", desc: "A DTMF digit ended on a channel.", props: []apiProp{prop("digit", "string"), prop("duration_ms", "int"), prop("channel", "Channel")}},
	{id: "ChannelHangupRequest", desc: "A hang-up was requested on a channel.", props: []apiProp{optProp("cause", "int"), optProp("soft", "boolean"), prop("channel", "Channel")}},
	{id: "ChannelDestroyed", desc: "A channel was destroyed.", props: []apiProp{prop("cause", "int"), prop("cause_txt", "string"), prop("channel", "Channel")}},
	{id: "PlaybackStarted", desc: "A playback (or its next item) started.", props: []apiProp{prop("playback", "Playback")}},
	{id: "PlaybackContinuing", desc: "A playback moved to its next media item.", props: []apiProp{prop("playback", "Playback")}},
	{id: "PlaybackFinished", desc: "A playback finished (done or failed).", props: []apiProp{prop("playback", "Playback")}},
}

var channelModels = []apiModel{
	{id: "CallerID", desc: "Caller id.", props: []apiProp{prop("name", "string"), prop("number", "string")}},
	{id: "DialplanCEP", desc: "Dialplan location.", props: []apiProp{prop("context", "string"), prop("exten", "string"),
		prop("priority", "long"), prop("app_name", "string"), prop("app_data", "string")}},
	{id: "Channel", desc: "A channel (here always one half of a Local pair).", props: []apiProp{
		prop("id", "string"), prop("protocol_id", "string"), prop("name", "string"),
		{name: "state", typ: "string", required: true, allowed: []string{"Down", "Rsrved", "OffHook", "Dialing", "Ring", "Ringing", "Up", "Busy", "Dialing Offhook", "Pre-ring", "Unknown"}},
		prop("caller", "CallerID"), prop("connected", "CallerID"), prop("accountcode", "string"),
		prop("dialplan", "DialplanCEP"), prop("creationtime", "Date"), prop("language", "string"),
		optProp("channelvars", "object")}},
	{id: "Variable", desc: "The value of a channel variable or function.", props: []apiProp{prop("value", "string")}},
}

var playbackModels = []apiModel{
	{id: "Playback", desc: "The playback of media to a channel.", props: []apiProp{
		prop("id", "string"), prop("media_uri", "string"), optProp("next_media_uri", "string"), prop("target_uri", "string"),
		optProp("language", "string"),
		{name: "state", typ: "string", required: true, allowed: []string{"queued", "playing", "continuing", "done", "failed"}}}},
}

var soundModels = []apiModel{
	{id: "FormatLangPair", desc: "A format and language of a sound.", props: []apiProp{prop("language", "string"), prop("format", "string")}},
	{id: "Sound", desc: "A sound file.", props: []apiProp{prop("id", "string"), optProp("text", "string"), prop("formats", "List[FormatLangPair]")}},
}

var asteriskModels = []apiModel{
	{id: "BuildInfo", desc: "Build information.", props: []apiProp{prop("os", "string"), prop("kernel", "string"), prop("options", "string"),
		prop("machine", "string"), prop("date", "string"), prop("user", "string")}},
	{id: "SystemInfo", desc: "System information.", props: []apiProp{prop("version", "string"), prop("entity_id", "string")}},
	{id: "SetId", desc: "Effective user and group.", props: []apiProp{prop("user", "string"), prop("group", "string")}},
	{id: "ConfigInfo", desc: "Configuration.", props: []apiProp{prop("name", "string"), prop("default_language", "string"), prop("setid", "SetId")}},
	{id: "StatusInfo", desc: "Status.", props: []apiProp{prop("startup_time", "Date"), prop("last_reload_time", "Date")}},
	{id: "AsteriskInfo", desc: "Asterisk system information.", props: []apiProp{optProp("build", "BuildInfo"), optProp("system", "SystemInfo"),
		optProp("config", "ConfigInfo"), optProp("status", "StatusInfo")}},
	{id: "AsteriskPing", desc: "Ping reply.", props: []apiProp{prop("asterisk_id", "string"), prop("ping", "string"), prop("timestamp", "string")}},
	{id: "Variable", desc: "The value of a variable.", props: []apiProp{prop("value", "string")}},
}

var applicationModels = []apiModel{
	{id: "Application", desc: "A Stasis application.", props: []apiProp{prop("name", "string"), prop("channel_ids", "List[string]"),
		prop("bridge_ids", "List[string]"), prop("endpoint_ids", "List[string]"), prop("device_names", "List[string]"),
		prop("events_allowed", "List[object]"), prop("events_disallowed", "List[object]")}},
}

// eventModels are events.json's: Message and Event as Asterisk's bases, then one model per emitted event.
func eventModels() []apiModel {
	names := make([]string, len(emittedEvents))
	for i, m := range emittedEvents {
		names[i] = m.id
	}
	base := []apiModel{
		{id: "Message", desc: "Base type for errors and events.", props: []apiProp{prop("type", "string"), optProp("asterisk_id", "string")}, subTypes: []string{"Event"}},
		{id: "Event", desc: "Base type for asynchronous events.", props: []apiProp{prop("application", "string"), prop("timestamp", "Date")}, subTypes: names},
	}
	return append(base, emittedEvents...)
}

// resourceModels are the models each resource document carries.
func resourceModels(resource string) []apiModel {
	switch resource {
	case "channels":
		return channelModels
	case "playbacks":
		return playbackModels
	case "sounds":
		return soundModels
	case "asterisk":
		return asteriskModels
	case "applications":
		return applicationModels
	case "events":
		return eventModels()
	}
	return nil
}
