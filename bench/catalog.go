package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Catalog is what the workloads need to know about the seed, read back from the database (so a
// seed made by an earlier run serves as well as a fresh one).
type Catalog struct {
	Tenants  []Tenant
	SeededAt time.Time
	Scale    Scale
}

// Tenant is one seeded business.
type Tenant struct {
	ID, OwnerID uuid.UUID
	Slug        string
	MerchantID  string
	ShopID      uuid.UUID
	Staff       []uuid.UUID // in seed order (Pracownik 00, 01, …)
	Services    []uuid.UUID // in seed order (service 0 is the bookable consultation)
}

func loadCatalog(ctx context.Context, owner *pgxpool.Pool, meta seedMeta) (*Catalog, error) {
	c := &Catalog{SeededAt: meta.SeededAt, Scale: meta.Scale}
	rows, err := owner.Query(ctx, `
		SELECT t.id, m.user_id, t.slug, c.merchant_id, c.service_id
		  FROM tenants t
		  JOIN memberships m ON m.tenant_id = t.id AND m.role = 'OWNER'
		  JOIN imoje_credentials c ON c.tenant_id = t.id
		 WHERE t.slug LIKE 'bench-t%' ORDER BY t.slug`)
	if err != nil {
		return nil, err
	}
	byID := map[uuid.UUID]int{}
	for rows.Next() {
		var t Tenant
		if err := rows.Scan(&t.ID, &t.OwnerID, &t.Slug, &t.MerchantID, &t.ShopID); err != nil {
			return nil, err
		}
		byID[t.ID] = len(c.Tenants)
		c.Tenants = append(c.Tenants, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := idsPerTenant(ctx, owner, `SELECT tenant_id, id FROM staff_members ORDER BY tenant_id, name`, byID,
		func(i int, id uuid.UUID) { c.Tenants[i].Staff = append(c.Tenants[i].Staff, id) }); err != nil {
		return nil, err
	}
	// Service 0 is named "Konsultacja", the others "Usługa NN": sorting by (name <> 'Konsultacja',
	// name) restores the seed order.
	if err := idsPerTenant(ctx, owner, `SELECT tenant_id, id FROM services ORDER BY tenant_id, name <> 'Konsultacja', name`, byID,
		func(i int, id uuid.UUID) { c.Tenants[i].Services = append(c.Tenants[i].Services, id) }); err != nil {
		return nil, err
	}
	if len(c.Tenants) < BookingTenants+1 {
		return nil, fmt.Errorf("the bench database has %d tenants; seed it again (-reseed)", len(c.Tenants))
	}
	return c, nil
}

// dashboardTenants are the tenants the read workloads pick from (all but the booking tenants, whose
// calendars the booking workload changes).
func (c *Catalog) dashboardTenants() []Tenant { return c.Tenants[:len(c.Tenants)-BookingTenants] }

// bookingTenant is the i-th booking tenant (0: slotpay, 1: the pgx floor).
func (c *Catalog) bookingTenant(i int) Tenant { return c.Tenants[len(c.Tenants)-BookingTenants+i] }

// idsPerTenant reads (tenant_id, id) rows and hands each id to add with its tenant's index.
func idsPerTenant(ctx context.Context, owner *pgxpool.Pool, sql string, byID map[uuid.UUID]int, add func(int, uuid.UUID)) error {
	rows, err := owner.Query(ctx, sql)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var tid, id uuid.UUID
		if err := rows.Scan(&tid, &id); err != nil {
			return err
		}
		if i, ok := byID[tid]; ok {
			add(i, id)
		}
	}
	return rows.Err()
}
