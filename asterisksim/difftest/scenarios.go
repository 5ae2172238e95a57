package difftest

import (
	"errors"
	"net/url"
	"time"
)

// Scenario is one scripted call, run the same way against every target.
type Scenario struct {
	Name   string
	script func(*run) error
}

// Scenarios are the calls of issue 11: both entries, barge-in, a 16-digit entry, a missing sound, a caller
// hang-up mid-prompt, continue to the agent context, REST errors. Each is written as an ARI developer tests
// an app without phones: the driver originates Local/<exten>@<context> with channelId (the ;1 caller) and
// otherChannelId (the ;2 line that runs the dialplan into Stasis(vika,...)).
var Scenarios = []Scenario{
	{"mobile-entry", func(r *run) error {
		if err := r.call("165", "from-mobile", false); err != nil {
			return err
		}
		r.rest("POST", "/channels/"+r.id("line")+"/answer", nil)
		r.play("pb1", "sound:vika/welcome")
		if _, err := r.wait(appIVR, "PlaybackFinished", nil); err != nil {
			return err
		}
		return r.callerHangsUp()
	}},
	{"landline-entry", func(r *run) error {
		if err := r.call("021165", "from-landline", true); err != nil {
			return err
		}
		r.rest("POST", "/channels/"+r.id("line")+"/answer", nil)
		r.play("pb1", "sound:vika/num-2")
		if _, err := r.wait(appIVR, "PlaybackFinished", nil); err != nil {
			return err
		}
		r.rest("DELETE", "/channels/"+r.id("line"), url.Values{"reason": {"normal"}})
		_, err := r.wait(appDriver, "ChannelDestroyed", r.isChannel("caller"))
		return err
	}},
	{"barge-in", func(r *run) error {
		if err := r.answered(); err != nil {
			return err
		}
		r.play("pb1", "sound:vika/main-menu")
		if _, err := r.wait(appIVR, "PlaybackStarted", nil); err != nil {
			return err
		}
		r.pause(500 * time.Millisecond)
		r.rest("POST", "/channels/"+r.id("caller")+"/dtmf", url.Values{"dtmf": {"1"}})
		if _, err := r.wait(appIVR, "ChannelDtmfReceived", nil); err != nil {
			return err
		}
		r.rest("DELETE", "/playbacks/"+r.id("pb1"), nil)
		if _, err := r.wait(appIVR, "PlaybackFinished", nil); err != nil {
			return err
		}
		return r.callerHangsUp()
	}},
	{"sixteen-digits", func(r *run) error {
		if err := r.answered(); err != nil {
			return err
		}
		r.rest("POST", "/channels/"+r.id("caller")+"/dtmf",
			url.Values{"dtmf": {"3507014501900003#"}, "between": {"150"}, "duration": {"120"}})
		if _, err := r.wait(appIVR, "ChannelDtmfReceived", func(ev map[string]any) bool { return str(ev, "digit") == "#" }); err != nil {
			return err
		}
		return r.callerHangsUp()
	}},
	{"missing-sound", func(r *run) error {
		if err := r.answered(); err != nil {
			return err
		}
		r.play("pb1", "sound:vika/does-not-exist")
		if _, err := r.wait(appIVR, "PlaybackFinished", nil); err != nil {
			return err
		}
		r.play("pb2", "sound:vika/does-not-exist,sound:vika/num-0")
		if _, err := r.wait(appIVR, "PlaybackFinished", nil); err != nil {
			return err
		}
		return r.callerHangsUp()
	}},
	{"caller-hangup-mid-prompt", func(r *run) error {
		if err := r.answered(); err != nil {
			return err
		}
		r.play("pb1", "sound:vika/welcome")
		if _, err := r.wait(appIVR, "PlaybackStarted", nil); err != nil {
			return err
		}
		r.pause(time.Second)
		r.rest("DELETE", "/channels/"+r.id("caller"), nil)
		if _, err := r.wait(appIVR, "StasisEnd", nil); err != nil {
			return err
		}
		r.rest("GET", "/playbacks/"+r.id("pb1"), nil)
		_, err := r.wait(appDriver, "ChannelDestroyed", r.isChannel("line"))
		return err
	}},
	{"continue-to-agents", func(r *run) error {
		if err := r.answered(); err != nil {
			return err
		}
		r.rest("POST", "/channels/"+r.id("line")+"/continue",
			url.Values{"context": {"agents"}, "extension": {"s"}, "priority": {"1"}})
		if _, err := r.wait(appIVR, "StasisEnd", nil); err != nil {
			return err
		}
		r.rest("POST", "/channels/"+r.id("line")+"/play", url.Values{"media": {"sound:vika/num-2"}})
		// With no agent logged in Queue() returns JOINEMPTY and the line goes on to Playback.
		if _, err := r.wait(appDriver, "ChannelDialplan", r.isApp("Playback")); err != nil {
			return err
		}
		// Hang up mid-file, not at its first millisecond: a hang-up that beats the file's opening makes
		// Asterisk's Playback() end FAILED instead of SUCCESS (seen on the lab), a race not worth modelling.
		r.pause(time.Second)
		return r.callerHangsUp()
	}},
	{"rest-errors", func(r *run) error {
		r.rest("GET", "/channels/"+r.id("nobody"), nil)
		r.rest("POST", "/channels/"+r.id("nobody")+"/answer", nil)
		r.rest("DELETE", "/playbacks/"+r.id("nothing"), nil)
		r.rest("POST", "/channels", url.Values{"app": {appDriver}})
		r.rest("GET", "/channels/"+r.id("nobody")+"/bogus", nil)
		r.rest("PUT", "/channels", nil)
		if err := r.answered(); err != nil {
			return err
		}
		r.rest("POST", "/channels/"+r.id("caller")+"/dtmf", nil)
		r.rest("DELETE", "/channels/"+r.id("line"), url.Values{"reason": {"bogus"}})
		r.rest("POST", "/playbacks/"+r.id("nothing")+"/control", url.Values{"operation": {"pause"}})
		r.rest("POST", "/channels", url.Values{"endpoint": {"Local/165@from-mobile"}, "app": {appDriver},
			"channelId": {r.id("caller")}})
		return r.callerHangsUp()
	}},
}

// call originates Local/<exten>@<context> into the dialplan, as POST /channels?channelId= or, with
// idInPath, POST /channels/{channelId}, and waits for the line's StasisStart.
func (r *run) call(exten, context string, idInPath bool) error {
	q := url.Values{"endpoint": {"Local/" + exten + "@" + context}, "app": {appDriver},
		"callerId": {`"Peserta JKN" <081234567890>`}, "otherChannelId": {r.id("line")}}
	path := "/channels"
	if idInPath {
		path += "/" + r.id("caller")
	} else {
		q.Set("channelId", r.id("caller"))
	}
	if status, _ := r.rest("POST", path, q); status != 200 {
		return errors.New("originate failed")
	}
	_, err := r.wait(appIVR, "StasisStart", nil)
	return err
}

// answered is a mobile call the app has answered, with the caller's ;1 in the driver app.
func (r *run) answered() error {
	if err := r.call("165", "from-mobile", false); err != nil {
		return err
	}
	r.rest("POST", "/channels/"+r.id("line")+"/answer", nil)
	_, err := r.wait(appDriver, "StasisStart", nil)
	return err
}

func (r *run) play(pb, media string) {
	r.rest("POST", "/channels/"+r.id("line")+"/play/"+r.id(pb), url.Values{"media": {media}, "lang": {"id"}})
}

// callerHangsUp is the caller putting the phone down: DELETE on ;1, then both halves are destroyed.
func (r *run) callerHangsUp() error {
	r.rest("DELETE", "/channels/"+r.id("caller"), nil)
	_, err := r.wait(appDriver, "ChannelDestroyed", r.isChannel("line"))
	return err
}

func (r *run) isChannel(name string) func(map[string]any) bool {
	return func(ev map[string]any) bool { return str(obj(ev, "channel"), "id") == r.id(name) }
}

func (r *run) isApp(app string) func(map[string]any) bool {
	return func(ev map[string]any) bool { return str(ev, "dialplan_app") == app }
}
