package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vika-jkn/vika/console"
	"github.com/vika-jkn/vika/store"
)

func newUsersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Manage the supervisors' console users: add, list, disable, passwd",
	}
	cmd.AddCommand(newUsersAddCmd(a), newUsersListCmd(a), newUsersDisableCmd(a), newUsersPasswdCmd(a))
	return cmd
}

func newUsersAddCmd(a *app) *cobra.Command {
	var role string
	cmd := &cobra.Command{
		Use:   "add NAME --role supervisor|admin",
		Short: "Add a console user; the password is read from the terminal, or from stdin when piped",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := console.ValidUserName(name); err != nil {
				return fmt.Errorf("users add %s: %w", name, err)
			}
			if !console.ValidRole(role) {
				return fmt.Errorf("users add: --role %q is not supervisor or admin", role)
			}
			hash, err := readNewPassword(cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return withStoreMigrated(cmd.Context(), a, func(st *store.Store) error {
				if err := st.AddConsoleUser(cmd.Context(), name, role, hash); err != nil {
					return err
				}
				auditCLI(cmd.Context(), st, store.AuditUserAdd, "user="+name+" role="+role)
				fmt.Fprintf(cmd.OutOrStdout(), "added %s (%s)\n", name, role)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&role, "role", console.RoleSupervisor, "supervisor or admin")
	return cmd
}

func newUsersListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List console users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStoreMigrated(cmd.Context(), a, func(st *store.Store) error {
				users, err := st.ConsoleUsers(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tPASSWORD SET\tSTATE")
				for _, u := range users {
					state := "active"
					if u.Disabled() {
						state = "disabled " + u.DisabledAt.Local().Format(time.DateTime)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, u.CreatedAt.Local().Format(time.DateTime),
						u.PasswordChangedAt.Local().Format(time.DateTime), state)
				}
				return tw.Flush()
			})
		},
	}
}

func newUsersDisableCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "disable NAME",
		Short: "Stop a user signing in and end their open sessions at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStoreMigrated(cmd.Context(), a, func(st *store.Store) error {
				if err := st.DisableConsoleUser(cmd.Context(), args[0]); err != nil {
					return err
				}
				auditCLI(cmd.Context(), st, store.AuditUserDisable, "user="+args[0])
				fmt.Fprintf(cmd.OutOrStdout(), "disabled %s; their sessions are ended\n", args[0])
				return nil
			})
		},
	}
}

func newUsersPasswdCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set a user's password (re-enables a disabled user and ends their sessions)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, err := readNewPassword(cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return withStoreMigrated(cmd.Context(), a, func(st *store.Store) error {
				if err := st.SetConsolePassword(cmd.Context(), args[0], hash); err != nil {
					return err
				}
				auditCLI(cmd.Context(), st, store.AuditUserPassword, "user="+args[0])
				fmt.Fprintf(cmd.OutOrStdout(), "password of %s set\n", args[0])
				return nil
			})
		},
	}
}

func newAuditCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "The console's audit trail: who signed in, searched, viewed and replayed what"}
	var f store.AuditFilter
	list := &cobra.Command{
		Use:   "list",
		Short: "List audit entries, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStoreMigrated(cmd.Context(), a, func(st *store.Store) error {
				entries, err := st.AuditEntries(cmd.Context(), f)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tWHEN\tUSER\tFROM\tACTION\tDETAIL")
				for _, e := range entries {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.At.Local().Format(time.DateTime), e.User, e.Remote, e.Action, e.Detail)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&f.User, "user", "", "only this user")
	list.Flags().StringVar(&f.Action, "action", "", "only this action (signin, signin_failed, search, call_view, replay, download, ...)")
	list.Flags().IntVar(&f.Limit, "limit", 100, "at most this many entries")
	list.Flags().Int64Var(&f.BeforeID, "before", 0, "entries older than this id (paging)")
	cmd.AddCommand(list)
	return cmd
}

// auditCLI records a user-management command in the audit trail, as done by the operating-system user at the
// terminal. Failing to write it is reported but does not undo the change.
func auditCLI(ctx context.Context, st *store.Store, action, detail string) {
	who := "cli"
	if u := os.Getenv("USER"); u != "" {
		who = "cli:" + u
	}
	if err := st.AppendAudit(ctx, store.AuditEntry{User: who, Remote: "local", Action: action, Detail: detail}); err != nil {
		fmt.Fprintf(os.Stderr, "warning: not recorded in the audit trail: %v\n", err)
	}
}

func withStoreMigrated(ctx context.Context, a *app, f func(*store.Store) error) error {
	if err := a.need(NeedDatabase); err != nil {
		return err
	}
	st, err := openMigrated(ctx, a.cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st)
}

// readNewPassword reads a password twice from a terminal (without echo), or once, a line, from piped stdin; it
// returns its argon2id hash.
func readNewPassword(in io.Reader, prompt io.Writer) (string, error) {
	var password string
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		fmt.Fprint(prompt, "again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", errors.New("the two passwords differ")
		}
		password = string(p1)
	} else {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if err := console.CheckPasswordPolicy(password); err != nil {
		return "", err
	}
	return console.HashPassword(password)
}
