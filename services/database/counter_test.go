package database_test

import (
	"context"
	"testing"

	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
)

// Statement counting is installed by tests, never by Open: a pool opened without tracers has none,
// and a counter passed to Open sees the statements of that pool only.
func TestOpenInstallsNoCounter(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	plain, err := database.Open(context.Background(), db.AppURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if tr := plain.Pool().Config().ConnConfig.Tracer; tr != nil {
		t.Fatalf("a pool opened without tracers traces with %T", tr)
	}
	counted, counter := openCounted(t, db)
	if _, err := plain.Pool().Exec(context.Background(), `SELECT 1`); err != nil {
		t.Fatal(err)
	}
	if st, trips := counter.Counts(); st != 0 || trips != 0 {
		t.Fatalf("the counter saw %d statements in %d round trips of another pool", st, trips)
	}
	if _, err := counted.Pool().Exec(context.Background(), `SELECT 1`); err != nil {
		t.Fatal(err)
	}
	if st, trips := counter.Counts(); st != 1 || trips != 1 {
		t.Fatalf("the counter saw %d statements in %d round trips, want 1 in 1", st, trips)
	}
}
