package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/demo"
)

// openDatabase prepares the database and opens the application role's pool, retrying for up to
// cfg.DatabaseWait while the database is not reachable yet (or, with SkipMigrations, not migrated
// yet: an operator's `slotpay migrate up` may be running beside this start).
func openDatabase(ctx context.Context, cfg config.Config, log *slog.Logger, tracers ...pgx.QueryTracer) (*database.DB, error) {
	var db *database.DB
	err := database.Wait(ctx, cfg.DatabaseWait, log, func(ctx context.Context) error {
		if !cfg.SkipMigrations {
			created, err := database.EnsureDatabase(ctx, cfg.DatabaseURL)
			if err != nil {
				return fmt.Errorf("database: %w", err)
			}
			if created {
				log.Info("database created", "database", mustName(cfg.DatabaseURL))
			}
			if _, err := database.Migrate(ctx, cfg.DatabaseURL, log); err != nil {
				return err
			}
		}
		if db == nil {
			var err error
			if db, err = database.Open(ctx, cfg.AppDatabaseURL, 0, tracers...); err != nil {
				return fmt.Errorf("open application pool: %w", err)
			}
		}
		if err := database.Ready(ctx, db.Gorm()); err != nil {
			if cfg.SkipMigrations {
				return fmt.Errorf("SLOTPAY_MIGRATE=false and the database is not ready (run `slotpay migrate up`): %w", err)
			}
			return fmt.Errorf("application role %q cannot use the database: %w", cfg.AppRole, err)
		}
		return nil
	})
	if err != nil {
		if db != nil {
			db.Close()
		}
		return nil, err
	}
	return db, nil
}

// Serve answers on ln at once and builds the server behind it (New, which waits for the database):
// meanwhile /healthz answers 200 (the process is alive: an orchestrator need not restart it) and
// everything else, /readyz included, 503 (a load balancer keeps it out of rotation). Then it serves
// as Run does until ctx ends.
func Serve(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options, ln net.Listener) error {
	var current atomic.Pointer[http.Handler]
	starting := startingHandler()
	current.Store(&starting)
	hs := httpServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*current.Load()).ServeHTTP(w, r)
	}))
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	srv, err := New(ctx, cfg, log, opt)
	if err != nil {
		hs.Close()
		<-errc
		if ctx.Err() != nil { // stopped (SIGTERM) while waiting for the database: an orderly end
			log.Info("stopped before the database was ready", "error", err.Error())
			return nil
		}
		return err
	}
	defer srv.Close()
	current.Store(&srv.Handler)
	if opt.Demo {
		srv.seedDemo(ctx)
	}
	return srv.serve(ctx, hs, errc)
}

// seedDemo creates (or completes) the demo business once the server answers (its imoje check calls
// the simulator mounted on this very server) and logs where to open it. A failure is logged, not
// fatal: the server itself is fine.
func (s *Server) seedDemo(ctx context.Context) {
	shop, _ := demo.ShopOf(s.Imoje)
	res, err := demo.Seed(ctx, s.Handler, shop)
	if err != nil {
		s.Log.Error("demo business not ready", "error", err.Error())
		return
	}
	s.Log.Info("demo business ready", "created", res.Created, "widget", s.Config.PublicBaseURL+"/b/"+res.Slug,
		"embed", s.Config.PublicBaseURL+"/b/embed.js", "panel", s.Config.PublicBaseURL+"/panel/",
		"login", res.Email, "imoje_simulator", res.ImojeConnected)
	// The password is the demo's published one (services/demo), not a secret: printed for a person,
	// outside the JSON log.
	fmt.Printf("\n  Demo business %q\n    widget:  %s/b/%s\n    panel:   %s/panel/  (log in as %s / %s)\n    imoje:   %s/_imoje/_sim/ (the simulator's dashboard)\n\n",
		res.Slug, s.Config.PublicBaseURL, res.Slug, s.Config.PublicBaseURL, res.Email, res.Password, s.Config.PublicBaseURL)
}

// startingHandler answers while the server is not built yet.
func startingHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/healthz" {
			writeJSON(w, http.StatusOK, `{"status":"ok"}`)
			return
		}
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, `{"status":"starting"}`)
	})
}
