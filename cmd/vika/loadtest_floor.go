package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/loadtest"
	"github.com/vika-jkn/vika/loadtest/floor"
	"github.com/vika-jkn/vika/store"
)

// floorApp is the floor's Stasis app; asterisk-conf/extensions.conf's [vika-floor] context sends 165 and 021165
// there, so the floor's callers take the same Asterisk, the same Local channels and the same prompts as VIKA's.
const floorApp = "vika-floor"

// runFloor runs the callers against the floor, before the app: in this process when the app runs here too, in a
// process of its own (vika floor) when a vika serve of its own takes the app's calls (--no-app), so that each is
// measured the same way as what it stands beside.
func runFloor(ctx context.Context, a *app, ac ARIConfig, o loadOptions, run loadtest.Options, ids []loadtest.Identity) (*loadtest.Results, error) {
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	fac := ac
	fac.App = floorApp
	ended := make(chan error, 1)
	if o.noApp {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(fctx, exe, "floor", "--ari-url", ac.URL)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+a.cfg.Database.URL, "VIKA_ARI_USER="+ac.User, "VIKA_ARI_PASSWORD="+ac.Password)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
		cmd.WaitDelay = 10 * time.Second
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start vika floor: %w", err)
		}
		go func() { ended <- cmd.Wait() }()
	} else {
		go func() { ended <- serveFloor(fctx, a, fac) }()
	}
	callers := ariHTTPClient(phoneARIConns, 0)
	defer callers.CloseIdleConnections() // before the app's run, under the same session limit
	ph, err := connectPhoneAs(fctx, fac, ended, phone.Options{App: "floor-phone", HTTPClient: callers,
		Contexts: map[string]string{"165": "vika-floor", "021165": "vika-floor"}})
	if err != nil {
		return nil, err
	}
	res, err := loadtest.Run(ctx, func(ctx context.Context, number, caller string) (loadtest.Call, error) {
		c, err := ph.Dial(ctx, number, caller)
		if err != nil {
			return nil, err
		}
		return c, nil
	}, ids, run)
	ph.Close()
	stop()
	if ferr := <-ended; ferr != nil && !errors.Is(ferr, context.Canceled) && o.noApp && !isTerminated(ferr) {
		return nil, fmt.Errorf("vika floor: %w", ferr)
	}
	return res, err
}

func isTerminated(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && !ee.Exited()
}

// serveFloor is the floor attached to ARI as vika-floor until ctx ends.
func serveFloor(ctx context.Context, a *app, ac ARIConfig) error {
	client, closeEvents, err := connectARI(ctx, ac, floorApp, 10*time.Second)
	if err != nil {
		return err
	}
	// As serve does: the event WebSocket closed for good and the pool's connections given back (the app's run comes
	// next, under the same session limit), and not client.Close, which races with the native client's own listener
	// (ari/v5 v5.3.1, seen with -race).
	defer closeEvents()
	st, err := store.Open(ctx, poolURL(a.cfg.Database))
	if err != nil {
		return err
	}
	defer st.Close()
	return floor.Run(ctx, client, st.Pool(), floor.Options{Logger: a.log.Named("floor")})
}

// newFloorCmd is vika floor: the floor in a process of its own, as vika loadtest --floor --no-app starts it.
func newFloorCmd(a *app) *cobra.Command {
	var ariURL string
	cmd := &cobra.Command{
		Use:    "floor",
		Short:  "The floor of vika loadtest --floor: a minimal Stasis app (vika-floor) attached to ARI, until stopped",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.need(NeedDatabase); err != nil {
				return err
			}
			ac := a.cfg.ARI
			if ariURL != "" {
				ac.URL, ac.WSURL = ariURL, ""
			}
			err := serveFloor(cmd.Context(), a, ac)
			if errors.Is(err, context.Canceled) || cmd.Context().Err() != nil {
				return nil
			}
			return err
		},
	}
	cmd.Flags().StringVar(&ariURL, "ari-url", "", "the ARI server (default ari.url)")
	return cmd
}
