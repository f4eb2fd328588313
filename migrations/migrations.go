// Package migrations holds slotpay's schema as versioned SQL files, embedded into the binary and
// applied by goose under a PostgreSQL advisory lock (so several instances starting at once are safe).
package migrations

import "embed"

// FS holds the *.sql migrations.
//
//go:embed *.sql
var FS embed.FS

// RiverVersion is the newest of River's own migrations that 00017_river_queue.sql applies.
const RiverVersion = 8
