package server_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/slotpay/slotpay/services/server/servertest"
)

// TestTenantBCannotReachTenantA: B's token can neither read nor change A's data, by id or by list,
// and A's ids answer NOT_FOUND exactly like ids that do not exist.
func TestTenantBCannotReachTenantA(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	a := env.SignUp("tenant-a")
	b := env.SignUp("tenant-b")
	var inv struct {
		InviteStaff struct{ Invitation struct{ ID string } }
	}
	env.Must(a.AccessToken, `mutation { inviteStaff(input: {email: "x@tenant-a.example.com", role: STAFF}) { invitation { id } } }`, nil, &inv)
	aInvitation := inv.InviteStaff.Invitation.ID

	var lists struct {
		Members     []struct{ User struct{ Email string } }
		Invitations []struct{ ID string }
		Tenant      struct{ ID string }
	}
	env.Must(b.AccessToken, `{ members { user { email } } invitations { id } tenant { id } }`, nil, &lists)
	if len(lists.Members) != 1 || lists.Members[0].User.Email != b.Email || len(lists.Invitations) != 0 || lists.Tenant.ID != b.TenantID {
		t.Fatalf("tenant B sees %+v", lists)
	}

	missing := uuid.NewString()
	for _, op := range []struct {
		name, query string
		id          string
	}{
		{"revoke A's invitation", `mutation($id: UUID!) { revokeInvitation(id: $id) }`, aInvitation},
		{"change A's owner's role", `mutation($id: UUID!) { updateMemberRole(input: {userId: $id, role: STAFF}) { role } }`, a.UserID},
		{"remove A's owner", `mutation($id: UUID!) { removeMember(userId: $id) }`, a.UserID},
	} {
		t.Run(op.name, func(t *testing.T) {
			foreign := env.MustFail(b.AccessToken, op.query, map[string]any{"id": op.id}, "NOT_FOUND")
			absent := env.MustFail(b.AccessToken, op.query, map[string]any{"id": missing}, "NOT_FOUND")
			if foreign.Message != absent.Message {
				t.Fatalf("another tenant's id answers %q, a missing id %q: the difference leaks existence", foreign.Message, absent.Message)
			}
		})
	}
	if n := env.Count(`SELECT count(*) FROM invitations WHERE revoked_at IS NULL`); n != 1 {
		t.Fatalf("A's invitation was touched")
	}
	if n := env.Count(`SELECT count(*) FROM memberships WHERE tenant_id = $1 AND role = 'OWNER'`, a.TenantID); n != 1 {
		t.Fatalf("A's owner was touched")
	}
	// A customer-less request cannot read anything either.
	env.MustFail("", `{ members { role } }`, nil, "UNAUTHENTICATED")
	env.MustFail("not-a-token", `{ tenant { id } }`, nil, "UNAUTHENTICATED")
}

// TestDatabaseEnforcesIsolation checks PostgreSQL itself, on the application role.
func TestDatabaseEnforcesIsolation(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	a := env.SignUp("db-a")
	b := env.SignUp("db-b")
	ctx := context.Background()
	app, err := pgx.Connect(ctx, env.DB.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(ctx)

	var role string
	if err := app.QueryRow(ctx, `SELECT current_user`).Scan(&role); err != nil || role != "slotpay_app" {
		t.Fatalf("connected as %q (%v)", role, err)
	}
	tables := tenantOwnedTables(t, env)
	if len(tables) < 4 {
		t.Fatalf("found only %v", tables)
	}
	t.Run("no tenant set sees no rows", func(t *testing.T) {
		for _, tbl := range append(tables, "users") {
			var n int
			if err := app.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{tbl}.Sanitize()).Scan(&n); err != nil {
				t.Fatalf("%s: %v", tbl, err)
			}
			if n != 0 {
				t.Errorf("%s: %d rows visible with no tenant set", tbl, n)
			}
		}
	})
	t.Run("tenant B sees only B", func(t *testing.T) {
		tx, err := app.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, b.TenantID); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE tenant_id <> $1`, b.TenantID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("B sees %d foreign memberships (%v)", n, err)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("B sees %d users, want its own 1 (%v)", n, err)
		}
		// Changing A's rows silently matches nothing.
		tag, err := tx.Exec(ctx, `UPDATE tenants SET name = 'pwned' WHERE id = $1`, a.TenantID)
		if err != nil || tag.RowsAffected() != 0 {
			t.Fatalf("update of A's tenant affected %d rows (%v)", tag.RowsAffected(), err)
		}
	})
	t.Run("insert for another tenant is refused by PostgreSQL", func(t *testing.T) {
		tx, err := app.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, b.TenantID); err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, expires_at)
			VALUES ($1, gen_random_uuid(), 'evil@example.com', 'OWNER', 'x', $2, now() + interval '1 day')`, a.TenantID, a.UserID)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Fatalf("insert for another tenant: %v, want a row-level security violation (42501)", err)
		}
	})
	t.Run("catalog: RLS enabled and forced everywhere; the app role owns and bypasses nothing", func(t *testing.T) {
		owner, _ := env.DB.Owner()
		rows, err := owner.Query(ctx, `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
				(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
			  AND (c.relname = 'tenants' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		checked := 0
		for rows.Next() {
			var name string
			var enabled, forced bool
			var policies int
			if err := rows.Scan(&name, &enabled, &forced, &policies); err != nil {
				t.Fatal(err)
			}
			checked++
			if !enabled || !forced || policies == 0 {
				t.Errorf("%s: rls enabled=%v forced=%v policies=%d", name, enabled, forced, policies)
			}
		}
		if checked != len(tables) {
			t.Fatalf("checked %d tables, expected %d", checked, len(tables))
		}
		var super, bypass bool
		var owned int
		if err := owner.QueryRow(ctx, `SELECT rolsuper, rolbypassrls,
				(SELECT count(*) FROM pg_class WHERE relowner = r.oid) + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)
			FROM pg_roles r WHERE rolname = 'slotpay_app'`).Scan(&super, &bypass, &owned); err != nil {
			t.Fatal(err)
		}
		if super || bypass || owned != 0 {
			t.Fatalf("slotpay_app: superuser=%v bypassrls=%v owns %d objects", super, bypass, owned)
		}
	})
	t.Run("foreign keys between tenant-owned tables include tenant_id", func(t *testing.T) {
		owner, _ := env.DB.Owner()
		rows, err := owner.Query(ctx, `SELECT con.conname, src.relname, dst.relname,
				EXISTS (SELECT 1 FROM unnest(con.conkey) k JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k WHERE a.attname = 'tenant_id')
			FROM pg_constraint con
			JOIN pg_class src ON src.oid = con.conrelid
			JOIN pg_class dst ON dst.oid = con.confrelid
			WHERE con.contype = 'f' AND src.relnamespace = 'public'::regnamespace
			  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = dst.oid AND a.attname = 'tenant_id')`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var con, src, dst string
			var hasTenant bool
			if err := rows.Scan(&con, &src, &dst, &hasTenant); err != nil {
				t.Fatal(err)
			}
			if !hasTenant {
				t.Errorf("%s (%s → %s) does not include tenant_id", con, src, dst)
			}
		}
	})
}

func tenantOwnedTables(t *testing.T, env *servertest.Env) []string {
	t.Helper()
	owner, err := env.DB.Owner()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := owner.Query(context.Background(), `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
		  AND (c.relname = 'tenants' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}
