package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/admin"
	"github.com/vika-jkn/vika/ivr"
	"github.com/vika-jkn/vika/store"
)

// ARINode is one Asterisk node of ari.nodes. User and Password default to ari.user and ari.password (every node of
// a cluster usually shares them); Name defaults to the URL's host:port and tags the node's calls in the call log,
// the logs, /readyz and /metrics.
type ARINode struct {
	Name     string `mapstructure:"name"`
	URL      string `mapstructure:"url"`
	WSURL    string `mapstructure:"ws_url"`
	User     string `mapstructure:"user"`
	Password string `mapstructure:"password"`
}

// nodeConfig is one node as serve connects to it.
type nodeConfig struct {
	name string // "" for the single ari.url form: the node is then named by Asterisk's entity id, as before ari.nodes
	key  string // the configuration key a wrong value of this node is reported under
	ARIConfig
}

// nodes is ari.nodes with the shared keys filled in, or the single ari.url as the one node.
func (c ARIConfig) nodes() []nodeConfig {
	if len(c.Nodes) == 0 {
		return []nodeConfig{{key: "ari", ARIConfig: c}}
	}
	out := make([]nodeConfig, len(c.Nodes))
	for i, n := range c.Nodes {
		nc := nodeConfig{name: n.Name, key: "ari.nodes[" + strconv.Itoa(i) + "]",
			ARIConfig: ARIConfig{URL: n.URL, WSURL: n.WSURL, User: n.User, Password: n.Password, App: c.App, MaxConns: c.MaxConns}}
		if nc.User == "" {
			nc.User = c.User
		}
		if nc.Password == "" {
			nc.Password = c.Password
		}
		if nc.name == "" {
			if u, err := url.Parse(n.URL); err == nil {
				nc.name = u.Host
			}
		}
		out[i] = nc
	}
	return out
}

// validateNodes checks ari.nodes: each node's URL, a user and password (its own or the shared ones), unique names.
func (c *Config) validateNodes() error {
	seen := map[string]int{}
	for i, n := range c.ARI.nodes() {
		if err := httpURL(n.key+".url", n.URL); err != nil {
			return err
		}
		if n.User == "" {
			return badKey(n.key+".user", "missing, and ari.user is empty too")
		}
		if n.Password == "" {
			return badKey(n.key+".password", "missing, and ari.password is empty too (set VIKA_ARI_PASSWORD; it is never logged)")
		}
		if j, dup := seen[n.name]; dup {
			return badKey(n.key+".name", "%q is also the name of ari.nodes[%d]; each node needs its own (it tags its calls)", n.name, j)
		}
		seen[n.name] = i
	}
	return nil
}

// ariNode is one Asterisk node serve drives: its own ARI connection and its own ivr.App, so a node that goes away
// takes only its own calls with it, and the ARI client's reconnect loop brings it back without touching the others.
type ariNode struct {
	cfg nodeConfig
	log *zap.Logger

	mu     sync.Mutex
	name   string // the configured name, or the entity id once connected
	client ari.Client
	app    *ivr.App
	err    error  // why the node is not connected yet
	close  func() // closes the client's event WebSocket for good (connectARI)
}

// nodeName is the name the node's calls are tagged with.
func (n *ariNode) nodeName() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.name
}

func (n *ariNode) current() (*ivr.App, ari.Client) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.app, n.client
}

// nodeSet is every node of one serve, connected or still being retried.
type nodeSet struct {
	nodes []*ariNode
	// build makes a node's ivr.App once it is connected; run runs it (until the serve's run context ends).
	build func(n *ariNode, client ari.Client, node string) *ivr.App
	run   func(app *ivr.App)
}

// nodeRetry is how often a node that could not be reached at start is tried again.
const nodeRetry = 5 * time.Second

// connectNodes connects to every node at once. A wrong setting of any node (a ConfigError: a rejected password, a
// prompt missing under prompts.check=enforce) stops the start, as it does with one node. A node that cannot be
// reached stops the start only when no node can be: otherwise serve takes the calls of the others and keeps trying
// it in the background until ctx ends, so that restarting an instance while one node is down takes nothing away.
func connectNodes(ctx context.Context, a *app, cfgs []nodeConfig, deadline time.Duration, set *nodeSet) error {
	set.nodes = make([]*ariNode, len(cfgs))
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, c := range cfgs {
		n := &ariNode{cfg: c, name: c.name, log: a.log.With(zap.String("node", c.name))}
		set.nodes[i] = n
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Attached at once, not when every node has answered: the app is registered from the moment it
			// connects, and a call Asterisk hands it before ivr.New subscribes would be missed.
			if errs[i] = n.connect(ctx, a, deadline, n.log); errs[i] == nil {
				_, client := n.current()
				set.attach(n, client)
			}
		}()
	}
	wg.Wait()
	var first error
	up := 0
	for i, err := range errs {
		var ce *ConfigError
		switch {
		case err == nil:
			up++
		case errors.As(err, &ce):
			return err
		case first == nil:
			first = err
			fallthrough
		default:
			set.nodes[i].setErr(err)
		}
	}
	if up == 0 {
		return first
	}
	for _, n := range set.nodes {
		if app, client := n.current(); app == nil && client == nil {
			n.log.Warn("Asterisk node unreachable at start; its calls go elsewhere until it answers", zap.Error(n.lastErr()))
			go set.retry(ctx, a, n, deadline)
		}
	}
	return nil
}

// connect dials the node's ARI, names it and checks its prompts; on success the client is kept in n.
// The client is deliberately never closed: in ari v5.3.1, Client.Close cancels the reconnect loop and then both
// write the client's `connected` flag (a data race the race detector reports). serve returns only to exit, and
// the process's end closes the WebSocket; in-process users (tests, demo) give each simulator its own password so
// the leftover loop, retrying once a second, can never attach to a later server.
// Within the deadline an Asterisk that refuses connections is tried again, each retry logged to retryLog.
func (n *ariNode) connect(ctx context.Context, a *app, deadline time.Duration, retryLog *zap.Logger) error {
	// Prompts are checked before the app registers: from the moment it does, Asterisk hands it calls, and the
	// longer until ivr.New subscribes, the more calls start in silence and must be recovered.
	pctx, cancel := context.WithTimeout(ctx, deadline)
	err := waitForARI(pctx, n.cfg.ARIConfig, retryLog)
	cancel()
	if err != nil {
		return relabel(err, n.cfg.key)
	}
	if err := checkPrompts(ctx, a, n.cfg.ARIConfig); err != nil {
		return err
	}
	client, closeEvents, err := connectARI(ctx, n.cfg.ARIConfig, n.cfg.App, deadline)
	if err != nil {
		return relabel(err, n.cfg.key)
	}
	info, err := client.Asterisk().Info(nil)
	if err != nil {
		return fmt.Errorf("asterisk info at %s: %w", n.cfg.URL, err)
	}
	n.mu.Lock()
	if n.name == "" {
		n.name = info.SystemInfo.EntityID
	}
	n.client, n.err, n.close = client, nil, closeEvents
	n.log = a.log.With(zap.String("node", n.name))
	n.mu.Unlock()
	n.log.Info("connected to Asterisk", zap.String("url", n.cfg.URL), zap.String("version", info.SystemInfo.Version),
		zap.String("entity_id", info.SystemInfo.EntityID), zap.String("app", n.cfg.App))
	return nil
}

// relabel makes a ConfigError about ari.* name the node's own key (ari.nodes[1].password) when it came from a node.
func relabel(err error, key string) error {
	var ce *ConfigError
	if key == "ari" || !errors.As(err, &ce) {
		return err
	}
	if rest, ok := cutPrefix(ce.Key, "ari."); ok {
		return &ConfigError{Key: key + "." + rest, What: ce.What}
	}
	return err
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

func (n *ariNode) setErr(err error) {
	n.mu.Lock()
	n.err = err
	n.mu.Unlock()
}

func (n *ariNode) lastErr() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

// attach builds the node's app and starts it.
func (s *nodeSet) attach(n *ariNode, client ari.Client) {
	app := s.build(n, client, n.nodeName())
	n.mu.Lock()
	n.app = app
	n.mu.Unlock()
	s.run(app)
}

// retry keeps trying a node that was unreachable at start, logging each new reason once.
func (s *nodeSet) retry(ctx context.Context, a *app, n *ariNode, deadline time.Duration) {
	last := n.lastErr().Error()
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(nodeRetry):
		}
		err := n.connect(ctx, a, deadline, zap.NewNop()) // this loop logs each new reason once
		if err == nil && ctx.Err() != nil {
			return // draining: a node reached now takes no calls from this process
		}
		if err == nil {
			_, client := n.current()
			s.attach(n, client)
			n.log.Info("Asterisk node reached; taking its calls")
			return
		}
		n.setErr(err)
		if err.Error() != last {
			n.log.Warn("Asterisk node still unreachable", zap.Error(err))
			last = err.Error()
		}
	}
}

// apps is every node's app that runs.
func (s *nodeSet) apps() []*ivr.App {
	var out []*ivr.App
	for _, n := range s.nodes {
		if app, _ := n.current(); app != nil {
			out = append(out, app)
		}
	}
	return out
}

// addChecks adds one readiness check per node: "ari" with the single ari.url, "ari <name>" with ari.nodes, so a
// monitor sees which node an instance has lost.
func (s *nodeSet) addChecks(h *admin.Handler, single bool) {
	for _, n := range s.nodes {
		name := "ari"
		if !single {
			name = "ari " + n.cfg.name
		}
		h.AddCheck(name, func(context.Context) error {
			_, client := n.current()
			if client == nil {
				return n.lastErr()
			}
			_, err := client.Asterisk().Info(nil)
			return err
		})
	}
}

// metrics publishes the IVR's counters summed over the nodes under the names one node always had, the same per
// node (label node), whether each node is connected (vika_ari_node_up), and the call log's counters.
func (s *nodeSet) metrics(cl *store.CallLog) admin.Source {
	return func(w *admin.MetricsWriter) {
		var total ivr.StatsSnapshot
		up := map[string]float64{}
		active := map[string]float64{}
		started := map[string]float64{}
		total.Outcomes, total.Lookups = map[string]int64{}, map[string]int64{}
		for _, n := range s.nodes {
			name := n.nodeName()
			app, client := n.current()
			up[name] = 0
			if client != nil && client.Connected() {
				up[name] = 1
			}
			if app == nil {
				continue
			}
			st := app.Stats().Snapshot()
			active[name], started[name] = float64(st.CallsActive), float64(st.CallsTotal)
			total.CallsActive += st.CallsActive
			total.CallsTotal += st.CallsTotal
			for k, v := range st.Outcomes {
				total.Outcomes[k] += v
			}
			for k, v := range st.Lookups {
				total.Lookups[k] += v
			}
			total.LookupLatency = addHistogram(total.LookupLatency, st.LookupLatency)
		}
		writeIVRMetrics(w, total, cl)
		w.GaugeVec("vika_ari_node_up", "Whether the ARI connection to the Asterisk node is up.", up, "node")
		w.GaugeVec("vika_node_calls_active", "Calls in progress, by Asterisk node.", active, "node")
		w.CounterVec("vika_node_calls_started_total", "Calls that entered the app, by Asterisk node.", started, "node")
	}
}

func addHistogram(a, b ivr.Histogram) ivr.Histogram {
	if a.Bounds == nil {
		a.Bounds = b.Bounds
		a.Cumulative = append([]uint64(nil), b.Cumulative...)
		a.Count, a.Sum = b.Count, b.Sum
		return a
	}
	for i := range a.Cumulative {
		if i < len(b.Cumulative) {
			a.Cumulative[i] += b.Cumulative[i]
		}
	}
	a.Count += b.Count
	a.Sum += b.Sum
	return a
}

// drainAll drains every node's app at once within one deadline (SIGTERM): new calls on every node go to its
// fallback, calls in progress finish or are hung up at the deadline.
// closeEvents closes every connected node's event WebSocket for good: from then on each Asterisk's own dialplan
// sends new calls to the fallback (Stasis() to an app without a socket fails).
func (s *nodeSet) closeEvents() {
	for _, n := range s.nodes {
		n.mu.Lock()
		closeEvents := n.close
		n.mu.Unlock()
		if closeEvents != nil {
			closeEvents()
		}
	}
}

// releaseAll sends to the fallback, on every node, the calls that reached the app as its socket closed.
func releaseAll(ctx context.Context, apps []*ivr.App) error {
	errs := make([]error, len(apps))
	var wg sync.WaitGroup
	for i, app := range apps {
		wg.Go(func() { _, errs[i] = app.Release(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func drainAll(ctx context.Context, apps []*ivr.App) error {
	errs := make([]error, len(apps))
	var wg sync.WaitGroup
	for i, app := range apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = app.Drain(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
