// Command imojesim serves the imoje simulator on its own:
//
//	imojesim -addr 127.0.0.1:8089 -config imojesim.json
//
// Every flag can also be set by environment (IMOJESIM_ADDR, IMOJESIM_CONFIG, IMOJESIM_BASE_URL,
// IMOJESIM_TIME_FACTOR, IMOJESIM_NOTIFICATION_URL); a flag wins over the environment, which wins
// over the config file. With no config file it starts one demo merchant and shop and prints their
// credentials. See docs/imojesim.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/slotpay/slotpay/imojesim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "imojesim:", err)
		os.Exit(1)
	}
}

type options struct {
	addr            string
	configFile      string
	baseURL         string
	timeFactor      float64
	notificationURL string
}

// parseOptions reads flags over environment over defaults.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("imojesim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var o options
	fs.StringVar(&o.addr, "addr", env("IMOJESIM_ADDR", "127.0.0.1:8089"), "listen address HOST:PORT (IMOJESIM_ADDR)")
	fs.StringVar(&o.configFile, "config", env("IMOJESIM_CONFIG", ""), "JSON config file; none = one demo merchant (IMOJESIM_CONFIG)")
	fs.StringVar(&o.baseURL, "base-url", env("IMOJESIM_BASE_URL", ""), "public URL of the simulator for paywall links; default: from each request (IMOJESIM_BASE_URL)")
	factor := env("IMOJESIM_TIME_FACTOR", "")
	fs.Func("time-factor", "scale of imoje's waiting times, 1 = real (IMOJESIM_TIME_FACTOR)", func(s string) error {
		factor = s
		return nil
	})
	fs.StringVar(&o.notificationURL, "notification-url", env("IMOJESIM_NOTIFICATION_URL", ""), "notification URL of the demo shop (IMOJESIM_NOTIFICATION_URL)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if factor != "" {
		f, err := strconv.ParseFloat(factor, 64)
		if err != nil || f <= 0 {
			return options{}, fmt.Errorf("time factor %q: want a positive number", factor)
		}
		o.timeFactor = f
	}
	return o, nil
}

// buildConfig loads the config file (or the demo) and applies the options over it.
func buildConfig(o options) (imojesim.Config, error) {
	cfg := imojesim.DemoConfig()
	if o.configFile != "" {
		f, err := os.Open(o.configFile)
		if err != nil {
			return imojesim.Config{}, err
		}
		defer f.Close()
		if cfg, err = imojesim.LoadConfig(f); err != nil {
			return imojesim.Config{}, fmt.Errorf("%s: %w", o.configFile, err)
		}
	} else if o.notificationURL != "" {
		cfg.Merchants[0].Shops[0].NotificationURL = o.notificationURL
	}
	if o.baseURL != "" {
		cfg.BaseURL = o.baseURL
	}
	if o.timeFactor != 0 {
		cfg.TimeFactor = o.timeFactor
	}
	return cfg, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	o, err := parseOptions(args, getenv, out)
	if err != nil {
		return err
	}
	cfg, err := buildConfig(o)
	if err != nil {
		return err
	}
	cfg.Logf = func(format string, args ...any) {
		fmt.Fprintf(out, time.Now().Format("15:04:05 ")+format+"\n", args...)
	}
	sim := imojesim.New(cfg)
	defer sim.Close()

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(cfg.BaseURL, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	printCredentials(out, base, sim.Merchants())

	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func printCredentials(out io.Writer, base string, merchants []imojesim.MerchantConfig) {
	fmt.Fprintf(out, "imojesim listening on %s\n", base)
	fmt.Fprintf(out, "  REST API:   %s/v1/merchant/{merchantId}/…\n", base)
	fmt.Fprintf(out, "  dashboard:  %s/_sim/\n", base)
	for _, m := range merchants {
		fmt.Fprintf(out, "merchant %s\n  token      %s\n", m.ID, m.Token)
		for _, s := range m.Shops {
			fmt.Fprintf(out, "  shop       serviceId %s\n             serviceKey %s\n             notificationUrl %s\n", s.ServiceID, s.ServiceKey, orNone(s.NotificationURL))
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none: set it with PATCH /_sim/shops/{serviceId})"
	}
	return s
}
