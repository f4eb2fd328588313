package tenancy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/tenancy"
)

var cheapArgon2 = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type members struct {
	svc    *tenancy.Service
	tokens *auth.Tokens
	// wire counts the statements and round trips of svc's database (installed here: production
	// pools carry no counter).
	wire *database.StatementCounter
}

func newMembers(t testing.TB) *members {
	t.Helper()
	db := dbtest.New(t)
	tokens, err := auth.NewTokens("slotpay", []config.Key{{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")}}, 15*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	wire := &database.StatementCounter{}
	data, err := database.Open(context.Background(), db.AppURL, 4, wire)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(data.Close)
	return &members{svc: tenancy.NewService(data, tokens, tenancy.Options{Argon2: cheapArgon2}), tokens: tokens, wire: wire}
}

// principal verifies a session's access token, as a request would.
func (m *members) principal(t testing.TB, s *tenancy.Session) *auth.Principal {
	t.Helper()
	p, err := m.tokens.Verify(s.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (m *members) signUp(t testing.TB, slug string) *tenancy.Session {
	t.Helper()
	s, err := m.svc.SignUp(context.Background(), tenancy.SignUpInput{TenantName: "Salon " + slug, Slug: slug,
		TimeZone: "Europe/Warsaw", OwnerName: "Owner", Email: "owner@" + slug + ".example.com", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (m *members) join(t testing.TB, owner *auth.Principal, email string, role auth.Role) *tenancy.Session {
	t.Helper()
	ctx := context.Background()
	inv, err := m.svc.InviteStaff(ctx, owner, email, role)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.svc.AcceptInvitation(ctx, inv.Token, "Ewa", "another good password")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMemberRoleIsTheCurrentMembership: the role comes from the membership as it is now, within the
// token's business only; an Authority reads it once (one round trip) until refreshed.
func TestMemberRoleIsTheCurrentMembership(t *testing.T) {
	t.Parallel()
	m := newMembers(t)
	ctx := context.Background()
	ownerA := m.principal(t, m.signUp(t, "role-a"))
	ownerB := m.principal(t, m.signUp(t, "role-b"))
	session := m.join(t, ownerA, "ewa@role-a.example.com", auth.RoleAdmin)
	ewa := m.principal(t, session)

	if role, err := m.svc.MemberRole(ctx, ownerA.TenantID, ewa.UserID); err != nil || role != auth.RoleAdmin {
		t.Fatalf("Ewa in A: %q %v", role, err)
	}
	// Tenant isolation: a member of A is nobody in B, and B's owner nobody in A.
	for _, c := range []struct {
		name         string
		tenant, user uuid.UUID
	}{
		{"A's admin in B", ownerB.TenantID, ewa.UserID},
		{"B's owner in A", ownerA.TenantID, ownerB.UserID},
		{"an unknown account", ownerA.TenantID, uuid.New()},
		{"an unknown business", uuid.New(), ewa.UserID},
	} {
		if role, err := m.svc.MemberRole(ctx, c.tenant, c.user); !errors.Is(err, auth.ErrNotMember) {
			t.Fatalf("%s: %q %v, want ErrNotMember", c.name, role, err)
		}
	}

	// One read per Authority, however often the request asks.
	wire := m.wire
	a := auth.NewAuthority(ewa, m.svc)
	wire.Reset()
	for range 3 {
		if p, err := a.Principal(ctx); err != nil || p.Role != auth.RoleAdmin || p.UserID != ewa.UserID || p.TenantID != ownerA.TenantID {
			t.Fatalf("principal %+v %v", p, err)
		}
	}
	if statements, roundTrips := wire.Counts(); roundTrips != 1 || statements != 2 {
		t.Fatalf("%d statements in %d round trips for three asks, want the setting and the read in one", statements, roundTrips)
	}

	// Demoted: the request that already read keeps its answer, the next read (Refresh, or the next
	// request's Authority) has the new role; the token still says ADMIN.
	if _, err := m.svc.UpdateMemberRole(ctx, ownerA, ewa.UserID, auth.RoleStaff); err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Principal(ctx); p.Role != auth.RoleAdmin {
		t.Fatalf("within the request: %s", p.Role)
	}
	if p, err := a.Refresh(ctx); err != nil || p.Role != auth.RoleStaff {
		t.Fatalf("refreshed: %+v %v", p, err)
	}
	if p, err := auth.NewAuthority(ewa, m.svc).Principal(ctx); err != nil || p.Role != auth.RoleStaff || ewa.Role != auth.RoleAdmin {
		t.Fatalf("next request: %+v %v (token %s)", p, err, ewa.Role)
	}
	// A demoted ADMIN manages nothing any more (the domain checks use the current role).
	staffNow, _ := auth.NewAuthority(ewa, m.svc).Principal(ctx)
	if _, err := m.svc.InviteStaff(ctx, staffNow, "x@role-a.example.com", auth.RoleAdmin); err == nil {
		t.Fatal("a demoted admin invited an admin")
	}

	// Removed: no membership, no refresh token.
	if err := m.svc.RemoveMember(ctx, ownerA, ewa.UserID); err != nil {
		t.Fatal(err)
	}
	if p, err := a.Refresh(ctx); !errors.Is(err, auth.ErrNotMember) || p != nil {
		t.Fatalf("removed: %+v %v", p, err)
	}
	if _, err := m.svc.Refresh(ctx, session.RefreshToken); !errors.Is(err, tenancy.ErrBadRefreshToken) {
		t.Fatalf("a removed member's refresh token: %v", err)
	}
}

// BenchmarkMemberRole is the read every staff request now makes (auth.Authority), on its own:
//
//	go test -run '^$' -bench MemberRole -benchmem ./services/tenancy
func BenchmarkMemberRole(b *testing.B) {
	m := newMembers(b)
	ctx := context.Background()
	owner := m.principal(b, m.signUp(b, "bench-role"))
	for i := range 20 {
		m.join(b, owner, "member"+string(rune('a'+i))+"@bench-role.example.com", auth.RoleStaff)
	}
	b.ReportAllocs()
	for b.Loop() {
		if role, err := m.svc.MemberRole(ctx, owner.TenantID, owner.UserID); err != nil || role != auth.RoleOwner {
			b.Fatal(role, err)
		}
	}
}
