package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/vika-jkn/vika/doctor"
	"github.com/vika-jkn/vika/prompts"
	"github.com/vika-jkn/vika/store"
)

// doctorRoutes are the numbers asterisk-conf/extensions.conf hands to the app.
var doctorRoutes = []doctor.Route{{Context: "from-mobile", Exten: "165"}, {Context: "from-landline", Exten: "021165"}}

func newDoctorCmd(a *app) *cobra.Command {
	var running bool
	var loadErr error
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check a box before starting vika: configuration, database, Asterisk (ARI, app, dialplan, prompts), hash key, clock",
		Long: `Doctor checks, one line each, what vika serve needs, and says what to do about each that is not ok: the
configuration; the database (reachable, migrated, seeded); Asterisk over ARI (reachable, the credentials, whether the
application name is free, that 165 and 021165 exist in the dialplan, every prompt in Asterisk's sounds in Indonesian);
the call-log hash key; the clock and time zone. It exits 1 when a check fails. Run it with the service's
configuration and environment, e.g.
  sudo -u vika env $(cat /etc/vika/vika.env | xargs) vika doctor --config /etc/vika/vika.yaml`,
		Args: cobra.NoArgs,
		// A wrong configuration is the first finding, not a reason to check nothing.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			loadErr = a.load(cmd)
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if loadErr != nil {
				fmt.Fprintf(out, "FAIL  config  %v\n        fix: correct it in the file, the VIKA_* environment or the flag\n", loadErr)
				return errDoctor(1)
			}
			if n := doctor.Run(cmd.Context(), out, 10*time.Second, doctorChecks(a, cmd, running)); n > 0 {
				return errDoctor(n)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&running, "running", false, "vika serve is running on this box: its application being connected is expected")
	cmd.Flags().String("ari-url", "", "Asterisk ARI base URL (ari.url)")
	a.bindFlag(cmd.Flags().Lookup("ari-url"), "ari.url")
	return cmd
}

type errDoctor int

func (e errDoctor) Error() string { return fmt.Sprintf("doctor: %d check(s) failed", int(e)) }

func doctorChecks(a *app, cmd *cobra.Command, running bool) []doctor.Check {
	c := a.cfg
	source := "defaults and the VIKA_* environment"
	if f, _ := cmd.Flags().GetString("config"); f != "" {
		source = f
	}
	checks := []doctor.Check{{Name: "config", Run: func(context.Context) doctor.Result {
		return doctor.Ok("read from %s; unknown keys none", source)
	}}}
	checks = append(checks, doctor.Check{Name: "database", Run: func(ctx context.Context) doctor.Result { return doctorDatabase(ctx, c) }})
	if err := c.validateARI(); err != nil {
		checks = append(checks, doctor.Check{Name: "ari", Run: func(context.Context) doctor.Result {
			return doctor.Failf("set it in the configuration file or the environment (VIKA_ARI_PASSWORD)", "%v", err)
		}})
	} else {
		checks = append(checks, doctor.ARIChecks(doctor.ARI{URL: c.ARI.URL, User: c.ARI.User, Password: c.ARI.Password,
			App: c.ARI.App, AppInUseOK: running}, doctorRoutes, prompts.Language)...)
	}
	checks = append(checks,
		doctor.Check{Name: "hash key", Run: func(context.Context) doctor.Result { return doctorHashKey(c.CallLog.HashKey) }},
		doctor.Check{Name: "clock", Run: func(ctx context.Context) doctor.Result { return doctorClock(ctx, a) }},
	)
	return checks
}

func doctorDatabase(ctx context.Context, c Config) doctor.Result {
	if err := c.validateDatabase(); err != nil {
		return doctor.Failf("set DATABASE_URL (or database.url) to postgres://user:password@host:port/db", "%v", err)
	}
	conn, err := pgx.Connect(ctx, c.Database.URL)
	if err != nil {
		return doctor.Failf("start PostgreSQL, create the database and user, check database.url", "%s", dbErrLine(err))
	}
	defer conn.Close(context.Background())
	want, err := store.Migrations()
	if err != nil {
		return doctor.Failf("", "%v", err)
	}
	var applied []int
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations ORDER BY version")
	if err == nil {
		applied, err = pgx.CollectRows(rows, pgx.RowTo[int])
	}
	if err != nil {
		return doctor.Failf("vika migrate (vika serve also migrates at start)", "reachable, not migrated (no schema_migrations)")
	}
	var pending []string
	for _, m := range want {
		if !slices.Contains(applied, m.Version) {
			pending = append(pending, fmt.Sprint(m.Version))
		}
	}
	if len(pending) > 0 {
		return doctor.Warnf("vika migrate (vika serve also migrates at start)", "reachable; %d migration(s) pending: %s",
			len(pending), strings.Join(pending, ", "))
	}
	var participants int64
	var dbNow time.Time
	if err := conn.QueryRow(ctx, "SELECT count(*), now() FROM participants").Scan(&participants, &dbNow); err != nil {
		return doctor.Failf("", "reachable and migrated, but: %v", err)
	}
	detail := fmt.Sprintf("reachable, migrated (%d migrations), %d participants", len(applied), participants)
	if skew := time.Since(dbNow).Abs(); skew > 2*time.Second {
		return doctor.Warnf("synchronise the clocks (systemd-timesyncd or chrony)", "%s; its clock is %s off this one", detail, skew.Round(time.Second))
	}
	if participants == 0 {
		return doctor.Warnf("load the participants (or vika seed on a test box): every caller would hear data-mismatch", "%s", detail)
	}
	return doctor.Ok("%s", detail)
}

func doctorHashKey(key string) doctor.Result {
	const fix = "set VIKA_CALLLOG_HASH_KEY (openssl rand -hex 32) in the service's environment file, the same for serve and console"
	switch {
	case key == "":
		return doctor.Failf(fix, "calllog.hash_key is empty: calls cannot be found by NIK or card number after a restart, and each instance counts failed tries alone")
	case len(key) < 16:
		return doctor.Warnf(fix, "calllog.hash_key is only %d characters", len(key))
	}
	return doctor.Ok("calllog.hash_key set (%d characters)", len(key))
}

func doctorClock(ctx context.Context, a *app) doctor.Result {
	clock, err := jakartaClock(a)
	if err != nil {
		return doctor.Failf("flow.timezone must be an IANA zone, e.g. Asia/Jakarta", "%v", err)
	}
	now := clock()
	detail := fmt.Sprintf("%s in %s (flow.timezone)", now.Format("2006-01-02 15:04 MST"), a.cfg.Flow.Timezone)
	out, err := exec.CommandContext(ctx, "timedatectl", "show", "-p", "NTPSynchronized", "--value").Output()
	switch synced := strings.TrimSpace(string(out)); {
	case err != nil:
		return doctor.Ok("%s; NTP state unknown (no timedatectl)", detail)
	case synced != "yes":
		return doctor.Warnf("enable time synchronisation (timedatectl set-ntp true): bills, due dates and opening hours follow this clock",
			"%s; the system clock is not NTP-synchronised", detail)
	}
	return doctor.Ok("%s; NTP-synchronised", detail)
}

// dbErrLine is a connection error in one line, with the password never shown (pgx does not print it).
func dbErrLine(err error) string {
	var pgErr interface{ SQLState() string }
	if errors.As(err, &pgErr) && pgErr.SQLState() == "3D000" {
		return "the database does not exist: " + lastLine(err.Error())
	}
	return lastLine(err.Error())
}
