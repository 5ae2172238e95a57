package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/prompts"
)

// newPromptsCmd is `vika prompts build|check`: the audio made from prompts/catalogue.yaml, and whether an Asterisk
// has all of it.
func newPromptsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prompts",
		Short: "Build the prompt audio from the catalogue, or check that Asterisk has every prompt",
	}
	cmd.AddCommand(newPromptsBuildCmd(a), newPromptsCheckCmd(a))
	return cmd
}

func newPromptsBuildCmd(a *app) *cobra.Command {
	var (
		formats []string
		force   bool
		workers int
	)
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Make the Indonesian prompt audio (espeak-ng + sox) as <out>/id/vika/<id>.{wav,sln,ulaw,alaw} with a manifest",
		Long: `Build synthesises every prompt of prompts/catalogue.yaml with espeak-ng's Indonesian voice and sox:
8 kHz mono, normalised, silence trimmed, laid out as Asterisk's sounds directory (<out>/id/vika/<id>.<ext>),
with <out>/manifest.json. Only prompts whose text changed are rebuilt. A .wav that is not the file build wrote
(a person's recording dropped in place) is kept and the other formats are made from it.

On an Asterisk host:  vika prompts build --out /var/lib/asterisk/sounds
The repository copy:  vika prompts build --out prompts/sounds --formats wav   (make prompts)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormats(formats); err != nil {
				return err
			}
			return runPromptsBuild(cmd.Context(), a, cmd.OutOrStdout(), prompts.BuildOptions{
				Out: a.cfg.Prompts.Dir, Formats: formats, Force: force, Workers: workers,
			})
		},
	}
	cmd.Flags().String("out", "", "sounds directory to build into (prompts.dir; default prompts/sounds)")
	cmd.Flags().StringSliceVar(&formats, "formats", prompts.AllFormats, "formats to make: wav, sln, ulaw, alaw")
	cmd.Flags().BoolVar(&force, "force", false, "regenerate every generated prompt, even unchanged ones (recordings are kept)")
	cmd.Flags().IntVar(&workers, "workers", 0, "prompts synthesised in parallel (default: the number of CPUs)")
	a.bindFlag(cmd.Flags().Lookup("out"), "prompts.dir")
	return cmd
}

func checkFormats(formats []string) error {
	for _, f := range formats {
		if !slices.Contains(prompts.AllFormats, f) {
			return fmt.Errorf("--formats: %q is not one of %s", f, strings.Join(prompts.AllFormats, ", "))
		}
	}
	return nil
}

func runPromptsBuild(ctx context.Context, a *app, out io.Writer, opts prompts.BuildOptions) error {
	bar := newBuildProgress(os.Stderr)
	opts.Progress = bar.update
	r, err := prompts.Build(ctx, opts)
	bar.finish()
	if err != nil {
		return err
	}
	for _, id := range r.StaleRecordings {
		a.log.Warn("recorded prompt is for an older text: record it again", zap.String("prompt", id))
	}
	_, err = fmt.Fprintf(out, "%d prompts in %s: %d generated, %d unchanged, %d recorded, %d removed; %s of audio, built in %s\n",
		len(r.Generated)+len(r.Unchanged)+len(r.Recorded), opts.Out, len(r.Generated), len(r.Unchanged),
		len(r.Recorded), len(r.Removed), r.Audio.Round(time.Second), r.Elapsed.Round(time.Millisecond))
	return err
}

func newPromptsCheckCmd(a *app) *cobra.Command {
	var (
		lang    string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Ask Asterisk's ARI (GET /sounds) whether every prompt exists in Indonesian; list what is missing",
		Long: `Check asks the Asterisk at ari.url for its sounds and lists each catalogue prompt it cannot play as
sound:vika/<id> in the language given (default id). It exits with status 1 when any prompt is missing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.need(NeedARI); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			return runPromptsCheck(ctx, a, cmd.OutOrStdout(), lang)
		},
	}
	cmd.Flags().StringVar(&lang, "lang", prompts.Language, "Asterisk language the prompts are installed under")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long to wait for Asterisk")
	cmd.Flags().String("ari-url", "", "Asterisk ARI base URL (ari.url)")
	a.bindFlag(cmd.Flags().Lookup("ari-url"), "ari.url")
	return cmd
}

func runPromptsCheck(ctx context.Context, a *app, out io.Writer, lang string) error {
	ari := prompts.ARISounds{URL: a.cfg.ARI.URL, User: a.cfg.ARI.User, Password: a.cfg.ARI.Password}
	missing, err := prompts.Check(ctx, ari, lang)
	if err != nil {
		return err
	}
	total := len(prompts.Catalogue().IDs())
	if len(missing) == 0 {
		_, err := fmt.Fprintf(out, "all %d prompts present in language %s at %s\n", total, lang, a.cfg.ARI.URL)
		return err
	}
	for _, id := range missing {
		fmt.Fprintf(out, "missing: sound:vika/%s (%s/vika/%s)\n", id, lang, id)
	}
	return fmt.Errorf("%d of %d prompts missing in language %s at %s: install them with "+
		"`vika prompts build --out <astdatadir>/sounds` on the Asterisk host (see asterisk-conf/README.md)",
		len(missing), total, lang, a.cfg.ARI.URL)
}

// buildProgress draws one line per prompt built, on a terminal only (a log file or CI wants no carriage returns).
// It is not seed's progressBar: that one counts rows and mentions indexes; this one names the prompt being made.
type buildProgress struct {
	w       io.Writer
	enabled bool
	drawn   bool
}

func newBuildProgress(f *os.File) *buildProgress {
	fi, err := f.Stat()
	return &buildProgress{w: f, enabled: err == nil && fi.Mode()&os.ModeCharDevice != 0}
}

func (p *buildProgress) update(done, total int, id string) {
	if !p.enabled || total == 0 {
		return
	}
	const width = 30
	filled := done * width / total
	fmt.Fprintf(p.w, "\r[%s%s] %3d/%d %-24.24s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total, id)
	p.drawn = true
}

func (p *buildProgress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
