package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database"
)

// migrate runs `slotpay migrate up|down|status|version` on the owner connection.
func migrate(ctx context.Context, args []string, env Env) int {
	if len(args) != 1 {
		return usage(env, "migrate takes one of up, down, status, version")
	}
	// Only SLOTPAY_DATABASE_URL matters here, but a misspelt one would migrate the default database.
	for _, w := range config.UnknownSettings(env.Environ) {
		fmt.Fprintln(env.Stderr, "warning:", w)
	}
	dbURL := config.OwnerDatabaseURL(env.getenv)
	var err error
	switch args[0] {
	case "up":
		err = migrateUp(ctx, env, dbURL)
	case "down":
		err = migrateDown(ctx, env, dbURL)
	case "status":
		err = migrateStatus(ctx, env, dbURL)
	case "version":
		var v int64
		if v, err = database.MigrationVersion(ctx, dbURL); err == nil {
			fmt.Fprintln(env.Stdout, v)
		}
	default:
		return usage(env, fmt.Sprintf("unknown migrate command %q (up, down, status, version)", args[0]))
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "slotpay migrate %s: %v\n", args[0], err)
		return ExitError
	}
	return ExitOK
}

func migrateUp(ctx context.Context, env Env, dbURL string) error {
	created, err := database.EnsureDatabase(ctx, dbURL)
	if err != nil {
		return err
	}
	if created {
		name, _ := config.DatabaseName(dbURL)
		fmt.Fprintf(env.Stdout, "created database %s\n", name)
	}
	applied, err := database.Migrate(ctx, dbURL, nil)
	for _, f := range applied {
		fmt.Fprintf(env.Stdout, "applied %s\n", f)
	}
	if err != nil {
		return err
	}
	return printVersion(ctx, env, dbURL, len(applied) == 0)
}

func migrateDown(ctx context.Context, env Env, dbURL string) error {
	file, err := database.MigrateDown(ctx, dbURL)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "rolled back %s\n", file)
	return printVersion(ctx, env, dbURL, false)
}

func printVersion(ctx context.Context, env Env, dbURL string, unchanged bool) error {
	v, err := database.MigrationVersion(ctx, dbURL)
	if err != nil {
		return err
	}
	if unchanged {
		fmt.Fprintf(env.Stdout, "database at version %d: nothing to apply\n", v)
	} else {
		fmt.Fprintf(env.Stdout, "database at version %d\n", v)
	}
	return nil
}

func migrateStatus(ctx context.Context, env Env, dbURL string) error {
	states, err := database.MigrationStatus(ctx, dbURL)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tSTATE\tAPPLIED AT (UTC)\tFILE")
	pending := 0
	for _, s := range states {
		state, at := "pending", "-"
		if s.Applied {
			state, at = "applied", s.AppliedAt.Format(time.DateTime)
		} else {
			pending++
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", s.Version, state, at, s.File)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if pending == 0 {
		fmt.Fprintf(env.Stdout, "%d migrations, all applied\n", len(states))
	} else {
		fmt.Fprintf(env.Stdout, "%d migrations, %d pending: run `slotpay migrate up`\n", len(states), pending)
	}
	return nil
}
