// Package cli holds slotpay's operator commands (`slotpay migrate …`, `slotpay healthcheck`,
// `slotpay version`); `slotpay` without a command serves (server.go).
package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Env is what a command may touch of its process: its output and its environment (os.Environ()).
type Env struct {
	Stdout, Stderr io.Writer
	Environ        []string
}

// getenv is os.Getenv on Environ (the first of duplicates counts).
func (e Env) getenv(name string) string {
	for _, kv := range e.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// Exit codes: 2 for a command line that names no command (as flag parsing does).
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// Usage lists the commands.
const Usage = `usage: slotpay [command]

  (no command)      serve the API; configuration from SLOTPAY_* variables (README.md)
  -demo             serve, and create the demo business (development only; docs/web.md)
  migrate up        apply every pending migration (creating the database if missing)
  migrate down      roll the newest applied migration back (one)
  migrate status    list the migrations, each applied or pending
  migrate version   print the database's migration version
  healthcheck       exit 0 if /readyz answers 200, 1 otherwise (SLOTPAY_HEALTHCHECK_URL, or
                    /readyz on SLOTPAY_LISTEN_ADDR); for the container's HEALTHCHECK
  version           print the build's version and VCS revision
  help              print this

migrate connects as the owner (SLOTPAY_DATABASE_URL) under the same advisory lock as start-up.
`

// Run runs the command args names (os.Args[1:], not empty) and returns the process's exit code.
func Run(ctx context.Context, args []string, env Env) int {
	switch args[0] {
	case "migrate":
		return migrate(ctx, args[1:], env)
	case "healthcheck":
		if len(args) > 1 {
			return usage(env, "healthcheck takes no arguments")
		}
		return healthcheck(ctx, env)
	case "version":
		if len(args) > 1 {
			return usage(env, "version takes no arguments")
		}
		fmt.Fprintln(env.Stdout, VersionLine())
		return ExitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, Usage)
		return ExitOK
	}
	return usage(env, fmt.Sprintf("unknown command %q", args[0]))
}

func usage(env Env, problem string) int {
	fmt.Fprintf(env.Stderr, "slotpay: %s\n\n%s", problem, Usage)
	return ExitUsage
}
