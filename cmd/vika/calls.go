package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/prompts"
	"github.com/vika-jkn/vika/replay"
	"github.com/vika-jkn/vika/store"
)

func newCallsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "calls",
		Short: "The supervisor's command line: search calls, show one call's timeline, replay what the caller heard",
	}
	cmd.AddCommand(newCallsListCmd(a), newCallsShowCmd(a), newCallsReplayCmd(a))
	return cmd
}

type callsListFlags struct {
	since, until   time.Duration
	entry, outcome string
	caller, number string
	limit          int
}

func newCallsListCmd(a *app) *cobra.Command {
	var f callsListFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Search calls, newest first",
		Long: `List searches the call log. --caller finds the calls from a phone number and --number the calls in which a
NIK or card number was keyed in: both are matched by their keyed hash (calllog.hash_key), never stored in full.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			filter, err := f.filter(a.cfg.CallLog.HashKey)
			if err != nil {
				return err
			}
			return withStore(cmd.Context(), a, func(st *store.Store) error {
				calls, err := st.ListCalls(cmd.Context(), filter)
				if err != nil {
					return err
				}
				return printCalls(cmd.OutOrStdout(), calls)
			})
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&f.since, "since", 24*time.Hour, "calls that started at most this long ago")
	fl.DurationVar(&f.until, "until", 0, "calls that started at least this long ago")
	fl.StringVar(&f.entry, "entry", "", "mobile (165) or landline (021165)")
	fl.StringVar(&f.outcome, "outcome", "", "the call's outcome, e.g. goodbye, agent, caller_hangup")
	fl.StringVar(&f.caller, "caller", "", "the caller's phone number")
	fl.StringVar(&f.number, "number", "", "a NIK or JKN card number keyed in during the call")
	fl.IntVar(&f.limit, "limit", 50, "at most this many calls")
	return cmd
}

func (f callsListFlags) filter(hashKey string) (store.CallFilter, error) {
	now := time.Now()
	filter := store.CallFilter{From: now.Add(-f.since), Entry: f.entry, Outcome: f.outcome, Limit: f.limit}
	if f.until > 0 {
		filter.To = now.Add(-f.until)
	}
	if (f.caller != "" || f.number != "") && hashKey == "" {
		return filter, badKey("calllog.hash_key", "missing: searching by --caller or --number needs the key the calls were logged with")
	}
	if f.caller != "" {
		filter.CallerHash = jkn.HashID([]byte(hashKey), f.caller)
	}
	if f.number != "" {
		if jkn.ClassifyID(f.number) == jkn.IDUnknown {
			return filter, fmt.Errorf("--number %s: not a 16-digit NIK or a 13-digit card number", jkn.Mask(f.number))
		}
		filter.IdentityHash = jkn.HashID([]byte(hashKey), f.number)
	}
	return filter, nil
}

func printCalls(w io.Writer, calls []store.Call) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL\tSTARTED\tENTRY\tCALLER\tOUTCOME\tHANG-UP\tDURATION")
	for _, c := range calls {
		dur := "in progress"
		if c.DurationMS != nil {
			dur = (time.Duration(*c.DurationMS) * time.Millisecond).Round(100 * time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s %s\t%s\n", c.ID, c.StartedAt.Local().Format("2006-01-02 15:04:05"),
			c.Entry, c.CallerMasked, c.Outcome, c.HangupBy, c.HangupCause, dur)
	}
	if len(calls) == 0 {
		fmt.Fprintln(tw, "(no calls match)")
	}
	return tw.Flush()
}

func newCallsShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show CALL",
		Short: "The timeline of one call",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), a, func(st *store.Store) error {
				events, err := callEvents(cmd.Context(), st, args[0])
				if err != nil {
					return err
				}
				printTimeline(cmd.OutOrStdout(), events)
				return nil
			})
		},
	}
}

func newCallsReplayCmd(a *app) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "replay CALL --out call.wav",
		Short: "Write what the caller heard as a WAV: prompts as played and cut, keys as tones, silences as they were",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), a, func(st *store.Store) error {
				events, err := callEvents(cmd.Context(), st, args[0])
				if err != nil {
					return err
				}
				audio, err := replay.Render(events, soundsFS(a.cfg), prompts.Language)
				if err != nil {
					return err
				}
				if err := writeWAVFile(out, audio.Samples); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %s, %d prompts, %d keys\n", out, audio.Duration().Round(10*time.Millisecond), audio.Prompts, audio.Keys)
				if len(audio.Missing) > 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "silent where prompts are missing from %s: %s\n", a.cfg.Prompts.Dir, strings.Join(audio.Missing, ", "))
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "call.wav", "the WAV file to write")
	return cmd
}

func withStore(ctx context.Context, a *app, f func(*store.Store) error) error {
	if err := a.need(NeedDatabase); err != nil {
		return err
	}
	st, err := store.Open(ctx, poolURL(a.cfg.Database))
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st)
}

func callEvents(ctx context.Context, st *store.Store, id string) ([]calllog.Event, error) {
	events, err := st.CallEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("no call %q in the call log (vika calls list shows the ids)", id)
	}
	return events, nil
}

// printTimeline shows each event at its offset from the first, with its fields in a stable order.
func printTimeline(w io.Writer, events []calllog.Event) {
	start := events[0].At
	for _, e := range events {
		if e.Kind == calllog.KindPrompt {
			fmt.Fprintf(w, "%+9.3fs  %-9s %s\n", e.At.Sub(start).Seconds(), e.Kind, promptLine(e))
			continue
		}
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s=%v", k, e.Fields[k]))
		}
		fmt.Fprintf(w, "%+9.3fs  %-9s %s\n", e.At.Sub(start).Seconds(), e.Kind, strings.Join(parts, " "))
	}
}

// soundsFS is prompts.dir, or the prompts built into the binary when that directory is the default and absent.
func soundsFS(c Config) fs.FS {
	if _, err := os.Stat(c.Prompts.Dir); err == nil || c.Prompts.Dir != defaultSounds {
		return os.DirFS(c.Prompts.Dir)
	}
	return prompts.Sounds()
}

func writeWAVFile(path string, samples []int16) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := replay.WriteWAV(f, samples); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// promptLine is "main-menu 14.3s" or "enter-id 0.4s CUT", with the prompt's text.
func promptLine(e calllog.Event) string {
	id, _ := e.Fields[calllog.FieldID].(string)
	from, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(e.Fields[calllog.FieldStarted]))
	to, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(e.Fields[calllog.FieldEnded]))
	line := fmt.Sprintf("%-20s %6.2fs", id, to.Sub(from).Seconds())
	if cut, _ := e.Fields[calllog.FieldCut].(bool); cut {
		line += " CUT"
	}
	if text, ok := prompts.Catalogue().Text(id); ok {
		line += "  " + text
	}
	return line
}
