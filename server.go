// Command slotpay serves slotpay's GraphQL API and imoje's webhook; with a command (`slotpay help`)
// it runs an operator's task instead (services/cli). Configuration comes from SLOTPAY_* environment
// variables; see README.md.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/slotpay/slotpay/services/cli"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/tracing"
	"github.com/slotpay/slotpay/services/web"
)

func main() {
	// -demo (development only) serves as usual and creates the demo business: services, staff,
	// hours and an imoje method on the built-in simulator (services/demo).
	demo := len(os.Args) > 1 && (os.Args[1] == "-demo" || os.Args[1] == "--demo")
	if len(os.Args) > 1 && !demo {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ()})
		stop()
		os.Exit(code)
	}
	// Info until the configuration says otherwise (SLOTPAY_LOG_LEVEL), so that a refused
	// configuration is still reported.
	var level slog.LevelVar
	log := web.NewLogger(os.Stdout, &level)
	if err := run(log, &level, demo); err != nil {
		log.Error("slotpay stopped", "error", err.Error())
		os.Exit(1)
	}
}

func run(log *slog.Logger, level *slog.LevelVar, demo bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, warnings, err := config.LoadEnviron(os.Environ())
	for _, w := range warnings {
		log.Warn(w)
	}
	if err != nil {
		return err
	}
	level.Set(cfg.LogLevel)
	if len(cfg.Generated) > 0 {
		log.Warn("development secrets generated for this run only; set them for tokens to survive restarts",
			"generated", strings.Join(cfg.Generated, ", "))
	}
	log.Info("configuration", "settings", cfg) // secrets masked (config.Config.LogValue)
	traces, err := tracing.FromEnv(ctx, os.Getenv, log)
	if err != nil {
		return err
	}
	defer traces.Shutdown(context.Background()) // after server.Serve has closed the server: the last spans are flushed
	if demo && cfg.Env != config.Development {
		return errors.New("-demo creates a demo business with published credentials: development only (SLOTPAY_ENV=development)")
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return err
	}
	attrs := []any{"env", string(cfg.Env), "api", cfg.PublicBaseURL + "/graphql", "panel", cfg.PublicBaseURL + "/panel/",
		"widget", cfg.PublicBaseURL + "/b/<business-slug>"}
	if cfg.Env == config.Development {
		attrs = append(attrs, "graphiql", cfg.PublicBaseURL+"/")
	}
	// Listening before the database is ready: /healthz answers at once, /readyz 503 until the
	// database is reachable and migrated (server.Serve).
	log.Info("slotpay listening", attrs...)
	return server.Serve(ctx, cfg, log, server.Options{TracerProvider: traces.TracerProvider, Demo: demo}, ln)
}
