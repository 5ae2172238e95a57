package main

import "github.com/spf13/cobra"

// subcommands lists every command of the binary; each lives in its own file.
func subcommands(a *app) []*cobra.Command {
	return []*cobra.Command{
		newMigrateCmd(a),
		newSeedCmd(a),
		newPromptsCmd(a),
		newServeCmd(a),
		newDemoCmd(a),
		newLoadtestCmd(a),
		newFloorCmd(a),
		newSimCmd(a),
		newCallsCmd(a),
		newConsoleCmd(a),
		newUsersCmd(a),
		newAuditCmd(a),
		newDoctorCmd(a),
		newVersionCmd(a),
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write([]byte("vika " + version + "\n"))
			return err
		},
	}
}
