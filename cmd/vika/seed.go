package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/store"
)

func newSeedCmd(a *app) *cobra.Command {
	var opts store.SeedOptions
	var calls store.CallLogSeedOptions
	var month string
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Replace the participant data with deterministic synthetic data (migrates first)",
		Long: "Loads N synthetic participants: structurally valid NIKs, 13-digit card numbers, families of 1-6 sharing\n" +
			"a virtual account, every segment and status, and bills with 0-30 months of arrears. The same --seed,\n" +
			"--participants and --month give the same rows. The call log and the tariffs are left alone, unless\n" +
			"--calls N adds N synthetic calls to the call log (every step's events, as the IVR writes them, over\n" +
			"--call-days days up to now), for benchmarks and demos, not a live database. --participants 0 seeds\n" +
			"calls only.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.need(NeedDatabase); err != nil {
				return err
			}
			now, err := seedMonth(month)
			if err != nil {
				return err
			}
			opts.Now = now
			if opts.Participants == 0 && calls.Calls == 0 {
				return fmt.Errorf("nothing to seed: --participants and --calls are both 0")
			}
			if opts.Participants > 0 {
				if err := runSeed(cmd, a, opts); err != nil {
					return err
				}
			}
			if calls.Calls > 0 {
				return runSeedCalls(cmd, a, calls)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&opts.Participants, "participants", 10_000, "how many participants to create")
	cmd.Flags().Int64Var(&opts.Seed, "seed", 1, "random seed: the same seed gives the same data")
	cmd.Flags().IntVar(&opts.Workers, "workers", 2, "chunks generated and loaded in parallel")
	cmd.Flags().IntVar(&calls.Calls, "calls", 0, "synthetic calls to add to the call log")
	cmd.Flags().IntVar(&calls.Days, "call-days", 30, "the calls start over this many days up to now")
	cmd.Flags().Uint64Var(&calls.Seed, "call-seed", 1, "random seed of the calls")
	cmd.Flags().StringVar(&month, "month", "", "the current month the bills run up to, YYYY-MM (default: today)")
	return cmd
}

func seedMonth(month string) (time.Time, error) {
	if month == "" {
		return time.Now(), nil
	}
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return time.Time{}, fmt.Errorf("--month: %q is not YYYY-MM", month)
	}
	return t, nil
}

func runSeed(cmd *cobra.Command, a *app, opts store.SeedOptions) error {
	ctx := cmd.Context()
	s, err := openMigrated(ctx, a.cfg.Database)
	if err != nil {
		return err
	}
	defer s.Close()
	bar := newProgressBar(cmd.ErrOrStderr())
	opts.Progress = bar.update
	start := time.Now()
	rep, err := store.Seed(ctx, s.Pool(), opts)
	bar.finish()
	if err != nil {
		return err
	}
	a.log.Info("seeded", zap.Int64("participants", rep.Participants), zap.Duration("took", time.Since(start)))
	return printSeedReport(cmd.OutOrStdout(), rep, time.Since(start))
}

func runSeedCalls(cmd *cobra.Command, a *app, opts store.CallLogSeedOptions) error {
	ctx := cmd.Context()
	s, err := openMigrated(ctx, a.cfg.Database)
	if err != nil {
		return err
	}
	defer s.Close()
	if k := a.cfg.CallLog.HashKey; k != "" {
		opts.HashKey = []byte(k)
	}
	bar := newProgressBar(cmd.ErrOrStderr())
	opts.Progress = bar.update
	start := time.Now()
	rep, err := store.SeedCallLog(ctx, s.Pool(), opts)
	bar.finish()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "seeded %d calls with %d events in %s (load %s, indexes %s, rollup %s)\n",
		rep.Calls, rep.Events, time.Since(start).Round(time.Millisecond), rep.Load.Round(time.Millisecond),
		rep.Index.Round(time.Millisecond), rep.Rollup.Round(time.Millisecond))
	return err
}

func printSeedReport(w io.Writer, rep store.SeedReport, took time.Duration) error {
	fmt.Fprintf(w, "seeded %d participants in %d families (%d bills, %d payments) in %s (load %s, indexes %s)\n\n",
		rep.Participants, rep.Families, rep.Bills, rep.Payments, took.Round(time.Millisecond),
		rep.Load.Round(time.Millisecond), rep.Index.Round(time.Millisecond))
	fmt.Fprintln(w, "Samples to try in the demo. These people are synthetic, so their numbers are shown in full:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NIK\tCARD\tBORN (DDMMYYYY)\tNAME\tSEGMENT\tCLASS\tSTATUS\tARREARS\tSHOWS")
	for _, s := range rep.Samples {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", s.NIK, s.Card, s.BirthDate.Format("02012006"),
			s.Name, s.Segment, s.Class, s.Status, s.MonthsInArrears, s.Why)
	}
	return tw.Flush()
}

// progressBar draws on a terminal only: piped or redirected output (CI logs) gets no carriage-return noise.
type progressBar struct {
	w     io.Writer
	tty   bool
	start time.Time
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, tty: ok && isTerminal(f), start: time.Now()}
}

// isTerminal uses go-isatty, already in the module graph (via the ARI client's logger), because it knows each
// platform's ioctl; x/sys would need a build-tagged file per OS for the same answer.
func isTerminal(f *os.File) bool { return isatty.IsTerminal(f.Fd()) }

func (p *progressBar) update(done, total int) {
	if !p.tty || total == 0 {
		return
	}
	const width = 40
	n := done * width / total
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d %s", strings.Repeat("#", n), strings.Repeat(".", width-n),
		done*100/total, done, total, time.Since(p.start).Round(100*time.Millisecond))
	if done == total {
		fmt.Fprint(p.w, "  building indexes…")
	}
	p.drawn = true
}

func (p *progressBar) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
