// A Stasis app written with Node's ari-client (not VIKA's code, not Go), run by nodetest_test.go against the
// simulated Asterisk: it loads /ari/api-docs through swagger, answers the call the test dials, plays one sound,
// waits for one key and hangs up. Each step is printed as one JSON line; the Go test asserts on them.
//
//   node app.js <ari base, e.g. http://127.0.0.1:8088> <user> <password> <app> <media>
'use strict';
const ari = require('ari-client');

const [url, user, password, appName, media] = process.argv.slice(2);
const say = (step, fields) => console.log(JSON.stringify(Object.assign({ step }, fields || {})));
const fail = (err) => { say('error', { message: String(err && err.message || err) }); process.exit(1); };

ari.connect(url, user, password).then((client) => {
  say('connected', { resources: Object.keys(client._swagger.apis).sort() });
  client.on('StasisStart', (event, channel) => {
    say('stasis-start', { args: event.args, channel: channel.name });
    channel.on('ChannelDtmfReceived', (ev) => {
      say('key', { digit: ev.digit });
      channel.hangup().then(() => say('hung-up')).catch(fail);
    });
    const playback = client.Playback();
    playback.once('PlaybackFinished', (ev, pb) => say('playback-finished', { media: pb.media_uri, state: pb.state }));
    channel.answer()
      .then(() => { say('answered'); return channel.play({ media, lang: 'id' }, playback); })
      .then((pb) => say('playing', { id: pb.id, media: pb.media_uri }))
      .catch(fail);
  });
  client.on('StasisEnd', () => { say('stasis-end'); client.stop(); setTimeout(() => process.exit(0), 50); });
  client.start(appName).then(() => say('started', { app: appName })).catch(fail);
}).catch(fail);
