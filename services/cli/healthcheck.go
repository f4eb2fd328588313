package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/slotpay/slotpay/services/config"
)

// HealthcheckTimeout bounds the whole check: an instance that cannot answer /readyz within it is
// not healthy (the image's HEALTHCHECK allows a little more).
const HealthcheckTimeout = 3 * time.Second

// healthcheck asks /readyz and exits 0 on 200, 1 on anything else (a non-200 status, no answer in
// time, nothing listening). It needs no curl in the image: the binary is its own client.
func healthcheck(ctx context.Context, env Env) int {
	target, err := config.HealthcheckURL(env.getenv)
	if err != nil {
		fmt.Fprintln(env.Stderr, "healthcheck:", err)
		return ExitError
	}
	ctx, cancel := context.WithTimeout(ctx, HealthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		fmt.Fprintln(env.Stderr, "healthcheck:", err)
		return ExitError
	}
	// Straight to the instance: never through an HTTP(S)_PROXY of the environment.
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(env.Stderr, "healthcheck:", err)
		return ExitError
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(env.Stderr, "healthcheck: GET %s answered %s\n", target, resp.Status)
		return ExitError
	}
	return ExitOK
}
