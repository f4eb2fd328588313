// Command slotpay serves slotpay's GraphQL API (and, once payments land, imoje's webhook).
// Configuration comes from SLOTPAY_* environment variables; see README.md.
package main

import (
	"context"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/web"
)

func main() {
	// Info until the configuration says otherwise (SLOTPAY_LOG_LEVEL), so that a refused
	// configuration is still reported.
	var level slog.LevelVar
	log := web.NewLogger(os.Stdout, &level)
	if err := run(log, &level); err != nil {
		log.Error("slotpay stopped", "error", err.Error())
		os.Exit(1)
	}
}

func run(log *slog.Logger, level *slog.LevelVar) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	level.Set(cfg.LogLevel)
	if len(cfg.Generated) > 0 {
		log.Warn("development secrets generated for this run only; set them for tokens to survive restarts",
			"generated", strings.Join(cfg.Generated, ", "))
	}
	srv, err := server.New(ctx, cfg, log, server.Options{})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return err
	}
	attrs := []any{"env", string(cfg.Env), "api", cfg.PublicBaseURL + "/graphql"}
	if cfg.Env == config.Development {
		attrs = append(attrs, "graphiql", cfg.PublicBaseURL+"/")
	}
	log.Info("slotpay listening", attrs...)
	return srv.Run(ctx, ln)
}
