// Package dbtest gives each test package its own PostgreSQL database, cloned from a template that
// holds the migrated schema (pkgsite's pattern): the template is built once per set of migrations,
// and CREATE DATABASE … TEMPLATE copies it in milliseconds.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/migrations"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database"
)

// DB is a test database: OwnerURL is the migrating superuser's connection, AppURL the application
// role's (RLS applies), App and Pool are open on AppURL.
type DB struct {
	Name     string
	OwnerURL string
	AppURL   string
	Data     *database.DB // App and Pool together
	App      *gorm.DB
	Pool     *pgxpool.Pool

	ownerOnce sync.Once
	owner     *pgxpool.Pool
	ownerErr  error
}

// BaseURL is the cluster the tests use; SLOTPAY_TEST_DATABASE_URL overrides it.
func BaseURL() string {
	if u := os.Getenv("SLOTPAY_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// New creates a fresh database for the calling test (or TestMain via NewForMain) and drops it at the end.
func New(t testing.TB) *DB {
	t.Helper()
	d, cleanup, err := Create(context.Background(), strings.ToLower(sanitize(t.Name())))
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	t.Cleanup(cleanup)
	return d
}

// Create makes a database cloned from the migrated template; cleanup closes and drops it.
func Create(ctx context.Context, label string) (*DB, func(), error) {
	base := BaseURL()
	tmpl, err := ensureTemplate(ctx, base)
	if err != nil {
		return nil, nil, err
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	if len(label) > 30 {
		label = label[:30]
	}
	name := fmt.Sprintf("slotpay_t_%s_%s", label, hex.EncodeToString(suffix))
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		return nil, nil, fmt.Errorf("connect %s: %w (is PostgreSQL running?)", base, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{tmpl}.Sanitize())); err != nil {
		return nil, nil, fmt.Errorf("clone template: %w", err)
	}
	ownerURL, _ := config.WithDatabase(base, name)
	appURL, _ := config.WithUser(ownerURL, "slotpay_app")
	data, err := database.Open(ctx, appURL, 20)
	if err != nil {
		return nil, nil, err
	}
	pool := data.Pool()
	d := &DB{Name: name, OwnerURL: ownerURL, AppURL: appURL, Data: data, App: data.Gorm(), Pool: pool}
	cleanup := func() {
		pool.Close()
		if d.owner != nil {
			d.owner.Close()
		}
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	return d, cleanup, nil
}

// ensureTemplate builds slotpay_tmpl_<hash of migrations> once, serialised across test processes by
// an advisory lock on the maintenance database.
func ensureTemplate(ctx context.Context, base string) (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	tmpl := "slotpay_tmpl_" + sum[:16]
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", fmt.Errorf("connect %s: %w (is PostgreSQL running?)", base, err)
	}
	defer admin.Close(ctx)
	lockCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := admin.Exec(lockCtx, `SELECT pg_advisory_lock(727274)`); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), `SELECT pg_advisory_unlock(727274)`)
	var ready bool
	err = admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, tmpl).Scan(&ready)
	if err != nil || ready {
		return tmpl, err
	}
	_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{tmpl}.Sanitize()+" WITH (FORCE)")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{tmpl}.Sanitize()); err != nil {
		return "", err
	}
	url, _ := config.WithDatabase(base, tmpl)
	if _, err := database.Migrate(ctx, url, nil); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{tmpl}.Sanitize()+" WITH is_template true ALLOW_CONNECTIONS false"); err != nil {
		return "", err
	}
	dropStaleTemplates(ctx, admin, tmpl)
	return tmpl, nil
}

func migrationsHash() (string, error) {
	h := sha256.New()
	entries, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(entries)
	for _, e := range entries {
		b, err := fs.ReadFile(migrations.FS, e)
		if err != nil {
			return "", err
		}
		h.Write([]byte(e))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Owner returns a pool on the superuser connection (RLS does not apply), opened once and closed with
// the database. Tests use it to check what was written, whatever the policies say.
func (d *DB) Owner() (*pgxpool.Pool, error) {
	d.ownerOnce.Do(func() {
		d.owner, d.ownerErr = pgxpool.New(context.Background(), d.OwnerURL)
	})
	return d.owner, d.ownerErr
}

// dropStaleTemplates removes templates of earlier migration sets (best effort: one still being
// cloned by another test process is left for next time).
func dropStaleTemplates(ctx context.Context, admin *pgx.Conn, keep string) {
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE datistemplate AND datname LIKE 'slotpay\_tmpl\_%' AND datname <> $1`, keep)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, n := range names {
		id := pgx.Identifier{n}.Sanitize()
		if _, err := admin.Exec(ctx, "ALTER DATABASE "+id+" WITH is_template false"); err == nil {
			_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+id)
		}
	}
}

// Unmigrated names a database of its own for tests of what happens before the schema exists
// (start-up, `slotpay migrate`): created empty when create is true, otherwise left for the code
// under test to create; dropped when the test ends. It returns the owner's URL.
func Unmigrated(t testing.TB, label string, create bool) string {
	t.Helper()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := fmt.Sprintf("slotpay_t_%s_%s", sanitize(label), hex.EncodeToString(suffix))
	base := BaseURL()
	if create {
		admin, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Fatalf("connect %s: %v (is PostgreSQL running?)", base, err)
		}
		_, err = admin.Exec(context.Background(), "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
		admin.Close(context.Background())
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	url, _ := config.WithDatabase(base, name)
	return url
}
