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
	"github.com/slotpay/slotpay/services/tracing"
	"github.com/slotpay/slotpay/services/web"
)

func main() {
	log := slog.New(web.LogHandler{Handler: slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo})})
	if err := run(log); err != nil {
		log.Error("slotpay stopped", "error", err.Error())
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	if len(cfg.Generated) > 0 {
		log.Warn("development secrets generated for this run only; set them for tokens to survive restarts",
			"generated", strings.Join(cfg.Generated, ", "))
	}
	traces, err := tracing.FromEnv(ctx, os.Getenv, log)
	if err != nil {
		return err
	}
	defer traces.Shutdown(context.Background()) // after srv.Close: the last spans are flushed
	srv, err := server.New(ctx, cfg, log, server.Options{TracerProvider: traces.TracerProvider})
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
