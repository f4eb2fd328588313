// Command gqlgen is gqlgen's generate with slotpay's plugin: the one-pass writers of
// graph/fastpath (graph/generated/fastpath.go) are generated with the executor, from the same
// schema and models, so they cannot drift from it. Run it from the repository root instead of
// `go tool gqlgen generate` (which it includes):
//
//	go run ./cmd/gqlgen
package main

import (
	"fmt"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"

	"github.com/slotpay/slotpay/graph/fastpath/gen"
)

// fastRoots are the root query fields rendered in one pass: the staff dashboard's agenda
// (reservations, and one reservation) and the booking widget's week of slots.
var fastRoots = []string{"reservations", "reservation", "availability"}

func main() {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		fmt.Fprintln(os.Stderr, "failed to load config:", err)
		os.Exit(2)
	}
	if err := api.Generate(cfg, api.AddPlugin(gen.Plugin{Roots: fastRoots})); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
}
