// Command vika is the VIKA telephone self-service line: one binary whose subcommands run the Stasis application
// against Asterisk (serve), everything on one machine without Asterisk (demo, sim), the database chores (migrate,
// seed), the prompt audio (prompts) and the supervisor's tools (calls).
//
// This package only wires: it reads configuration (defaults → YAML file → VIKA_* environment → flags), validates it,
// builds the logger and the dependencies, and hands them to the packages that own the work. Nothing imports it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	a := newApp()
	root := newRootCmd(a)
	err := root.ExecuteContext(ctx)
	a.sync()
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			fmt.Fprintln(os.Stderr, "vika: config:", ce.Error())
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "vika:", err)
		os.Exit(1)
	}
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "vika",
		Short:         "VIKA: the BPJS Kesehatan Care Center 165 voice self-service line (an Asterisk ARI application)",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.load(cmd)
		},
	}
	root.PersistentFlags().String("config", "", "YAML configuration file (see vika.example.yaml)")
	root.PersistentFlags().String("log-level", "", "log level: debug, info, warn, error (log.level)")
	root.PersistentFlags().String("log-format", "", "log format: json or console (log.format)")
	a.bindFlag(root.PersistentFlags().Lookup("log-level"), "log.level")
	a.bindFlag(root.PersistentFlags().Lookup("log-format"), "log.format")
	for _, c := range subcommands(a) {
		root.AddCommand(c)
	}
	return root
}
