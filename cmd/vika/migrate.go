package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newMigrateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the embedded database migrations (safe to run from several instances at once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.need(NeedDatabase); err != nil {
				return err
			}
			ctx := cmd.Context()
			s, err := openMigrated(ctx, a.cfg.Database)
			if err != nil {
				return err
			}
			defer s.Close()
			vs, err := s.AppliedVersions(ctx)
			if err != nil {
				return err
			}
			latest := 0
			if len(vs) > 0 {
				latest = vs[len(vs)-1]
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "database is at migration %04d (%d applied)\n", latest, len(vs))
			return err
		},
	}
}
