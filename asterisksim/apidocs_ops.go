package asterisksim

// The documentation of each served route, keyed "METHOD /pattern". Nicknames, parameter names, types and
// defaults are Asterisk 22's (its /ari/api-docs/*.json): swagger clients such as Node's ari-client turn the
// nickname into the method name (client.channels.originate) and the parameters into the request, so these
// must match Asterisk's exactly. The descriptions are our own, short, and say what the simulator does.
// Only parameters the simulator honours are listed; TestAPIDocsDescribeExactlyTheServedRoutes keeps this
// table and routeTable in step.

type apiOperation struct {
	nickname, responseClass, summary string
	params                           []apiParam
	errors                           []apiError
	websocket                        bool // GET /events: Upgrade: websocket, protocol "ari"
}

type apiParam struct {
	name, paramType, dataType string
	required, multi           bool
	def                       any
	allowed                   []string
	desc                      string
}

type apiError struct {
	code   int
	reason string
}

func pathP(name, desc string) apiParam {
	return apiParam{name: name, paramType: "path", dataType: "string", required: true, desc: desc}
}

func query(name, dataType, desc string) apiParam {
	return apiParam{name: name, paramType: "query", dataType: dataType, desc: desc}
}

func (p apiParam) req() apiParam              { p.required = true; return p }
func (p apiParam) many() apiParam             { p.multi = true; return p }
func (p apiParam) dflt(v any) apiParam        { p.def = v; return p }
func (p apiParam) oneOf(v ...string) apiParam { p.allowed = v; return p }

var (
	errChannel404 = apiError{404, "Channel not found"}
	errStasis409  = apiError{409, "Channel not in a Stasis application"}
	channelIDP    = pathP("channelId", "Channel's id")
	playbackIDP   = pathP("playbackId", "Playback's id")
)

func originateParams(withID bool) []apiParam {
	ps := []apiParam{
		query("endpoint", "string", "Endpoint to call: Local/<exten>@<context> (the only technology the simulator has).").req(),
		query("extension", "string", "Extension the ;1 half runs when answered (instead of app)."),
		query("context", "string", "Context for extension; default 'default'."),
		query("priority", "long", "Priority for extension; default 1."),
		query("app", "string", "Stasis application the ;1 half enters when ;2 answers; it is subscribed to both halves."),
		query("appArgs", "string", "Comma-separated arguments for app."),
		query("callerId", "string", `Caller id, e.g. "Name" <081234567890>.`),
		query("timeout", "int", "Seconds the line may ring before the originate gives up.").dflt(30),
		{name: "variables", paramType: "body", dataType: "containers", desc: `{"variables": {"NAME": "value"}} set on both halves.`},
	}
	if withID {
		ps = append([]apiParam{pathP("channelId", "Id of the ;1 half.")}, ps...)
	} else {
		ps = append(ps, query("channelId", "string", "Id of the ;1 half."))
	}
	return append(ps, query("otherChannelId", "string", "Id of the ;2 half (the line that runs the dialplan)."))
}

func playParams(withID bool) []apiParam {
	ps := []apiParam{channelIDP}
	if withID {
		ps = append(ps, playbackIDP)
	}
	ps = append(ps,
		query("media", "string", "Media URIs (sound:<id>), comma-separated or repeated; played in order.").req().many(),
		query("lang", "string", "Sound language; default the channel's CHANNEL(language)."))
	if !withID {
		ps = append(ps, query("playbackId", "string", "Playback id to use."))
	}
	return ps
}

var apiOperations = map[string]apiOperation{
	"GET /channels": {nickname: "list", responseClass: "List[Channel]", summary: "List all active channels."},
	"POST /channels": {nickname: "originate", responseClass: "Channel", summary: "Originate a Local channel pair.",
		params: originateParams(false), errors: []apiError{{400, "Invalid parameters"}, {409, "Channel with given unique ID already exists"}}},
	"GET /channels/{channelId}": {nickname: "get", responseClass: "Channel", summary: "Channel details.",
		params: []apiParam{channelIDP}, errors: []apiError{errChannel404}},
	"POST /channels/{channelId}": {nickname: "originateWithId", responseClass: "Channel", summary: "Originate with the ;1 id in the path.",
		params: originateParams(true), errors: []apiError{{400, "Invalid parameters"}, {409, "Channel with given unique ID already exists"}}},
	"DELETE /channels/{channelId}": {nickname: "hangup", responseClass: "void", summary: "Hang up a channel (and its Local peer).",
		params: []apiParam{channelIDP, query("reason_code", "string", "Q.850 cause code."),
			query("reason", "string", "Reason: normal, busy, congestion, no_answer, timeout, rejected, unallocated, ...")},
		errors: []apiError{{400, "Invalid reason for hangup provided"}, errChannel404}},
	"POST /channels/{channelId}/answer": {nickname: "answer", responseClass: "void", summary: "Answer a channel.",
		params: []apiParam{channelIDP}, errors: []apiError{errChannel404, errStasis409}},
	"POST /channels/{channelId}/play": {nickname: "play", responseClass: "Playback", summary: "Play media to a channel.",
		params: playParams(false), errors: []apiError{errChannel404, errStasis409}},
	"POST /channels/{channelId}/play/{playbackId}": {nickname: "playWithId", responseClass: "Playback", summary: "Play media with the playback id in the path.",
		params: playParams(true), errors: []apiError{errChannel404, errStasis409}},
	"POST /channels/{channelId}/continue": {nickname: "continueInDialplan", responseClass: "void", summary: "Leave Stasis and run the dialplan.",
		params: []apiParam{channelIDP, query("context", "string", "Context to continue to."),
			query("extension", "string", "Extension to continue to."), query("priority", "int", "Priority to continue to.")},
		errors: []apiError{errChannel404, errStasis409}},
	"POST /channels/{channelId}/redirect": {nickname: "redirect", responseClass: "void", summary: "Redirect to a Local endpoint (modelled as a continue).",
		params: []apiParam{channelIDP, query("endpoint", "string", "Local/<exten>@<context>.").req()},
		errors: []apiError{{400, "Endpoint parameter not provided"}, errChannel404, errStasis409, {422, "Endpoint is not the same type as the channel"}}},
	"POST /channels/{channelId}/dtmf": {nickname: "sendDTMF", responseClass: "void", summary: "Send DTMF; it is received on the Local peer.",
		params: []apiParam{channelIDP, query("dtmf", "string", "Digits to send."),
			query("before", "int", "Milliseconds before the first digit.").dflt(0),
			query("between", "int", "Milliseconds between digits.").dflt(100),
			query("duration", "int", "Milliseconds of each digit.").dflt(100),
			query("after", "int", "Milliseconds after the last digit.").dflt(0)},
		errors: []apiError{{400, "DTMF is required"}, errChannel404, errStasis409}},
	"GET /channels/{channelId}/variable": {nickname: "getChannelVar", responseClass: "Variable", summary: "A channel variable or function value.",
		params: []apiParam{channelIDP, query("variable", "string", "Variable or function, e.g. CALLERID(num).").req()},
		errors: []apiError{{400, "Missing variable parameter."}, {404, "Channel or variable not found"}}},
	"POST /channels/{channelId}/variable": {nickname: "setChannelVar", responseClass: "void", summary: "Set a channel variable or function.",
		params: []apiParam{channelIDP, query("variable", "string", "Variable or function, e.g. CHANNEL(language).").req(),
			query("value", "string", "Value; empty unsets.")},
		errors: []apiError{{400, "Missing variable parameter."}, errChannel404}},
	"GET /playbacks/{playbackId}": {nickname: "get", responseClass: "Playback", summary: "A playback's state.",
		params: []apiParam{playbackIDP}, errors: []apiError{{404, "The playback cannot be found"}}},
	"DELETE /playbacks/{playbackId}": {nickname: "stop", responseClass: "void", summary: "Stop a playback (it finishes 'done').",
		params: []apiParam{playbackIDP}, errors: []apiError{{404, "The playback cannot be found"}}},
	"POST /playbacks/{playbackId}/control": {nickname: "control", responseClass: "void", summary: "Control a playback.",
		params: []apiParam{playbackIDP, query("operation", "string", "Operation.").req().oneOf("restart", "pause", "unpause", "reverse", "forward")},
		errors: []apiError{{400, "The provided operation parameter was invalid"}, {404, "The playback cannot be found"}}},
	"GET /sounds": {nickname: "list", responseClass: "List[Sound]", summary: "Sounds in the sounds directory.",
		params: []apiParam{query("lang", "string", "Only this language."), query("format", "string", "Only this format (WAV is reported as slin).")}},
	"GET /sounds/{soundId}": {nickname: "get", responseClass: "Sound", summary: "One sound, id URL-encoded (vika%2Fwelcome).",
		params: []apiParam{pathP("soundId", "Sound's id")}, errors: []apiError{{404, "Sound not found"}}},
	"GET /asterisk/info": {nickname: "getInfo", responseClass: "AsteriskInfo", summary: "System information.",
		params: []apiParam{query("only", "string", "Filter (ignored: everything is returned).").many().oneOf("build", "system", "config", "status")}},
	"GET /asterisk/ping": {nickname: "ping", responseClass: "AsteriskPing", summary: "Ping."},
	"GET /applications":  {nickname: "list", responseClass: "List[Application]", summary: "Connected Stasis applications."},
	"GET /applications/{applicationName}": {nickname: "get", responseClass: "Application", summary: "One application.",
		params: []apiParam{pathP("applicationName", "Application's name")}, errors: []apiError{{404, "Application does not exist."}}},
	"GET /events": {nickname: "eventWebsocket", responseClass: "Message", summary: "WebSocket of events for the applications.", websocket: true,
		params: []apiParam{query("app", "string", "Applications to register.").req().many(),
			query("subscribeAll", "boolean", "See the events of every channel (not other apps' StasisStart/StasisEnd).")}},
}

// apiResourceTitles are resources.json's descriptions, in Asterisk's order.
var apiResourceTitles = []struct{ name, desc string }{
	{"asterisk", "Asterisk resources"},
	{"channels", "Channel resources"},
	{"sounds", "Sound resources"},
	{"playbacks", "Playback control resources"},
	{"events", "WebSocket resource"},
	{"applications", "Stasis application resources"},
}
