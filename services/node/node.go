// Package node finds an object by its global id alone (Relay's node(id:)): which type holds the id,
// in one tenant-scoped statement, then the object through its domain's own read, so who may read
// what stays decided where it already is.
//
// Every id is a row's UUID (gen_random_uuid() or uuid.New(), version 4), unique across all tables,
// so the id needs no type prefix and every existing UUID argument accepts it unchanged.
package node

import (
	"context"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/customers"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/payments"
	"github.com/slotpay/slotpay/services/tenancy"
)

// MaxIDs is the most ids one nodes(ids:) may ask for.
const MaxIDs = 100

// Type is one type of object that has a global id: the table its ids are in and the read that
// loads them. Load returns the objects p may read, by id (pointers to the models the GraphQL edge
// binds); an id it leaves out resolves to null.
type Type struct {
	Name string
	// Table holds the ids in IDColumn, scoped by TenantColumn ("tenant_id", or "id" for tenants).
	Table, IDColumn, TenantColumn string
	Load                          func(ctx context.Context, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]any, error)
}

// Registry resolves global ids over its types.
type Registry struct {
	data  *database.DB
	types []Type
	probe string
}

// NewRegistry is the registry of slotpay's node types.
func NewRegistry(data *database.DB, b *booking.Service, p *payments.Service, t *tenancy.Service, c *customers.Service) *Registry {
	return newRegistry(data, types(b, p, t, c))
}

func newRegistry(data *database.DB, types []Type) *Registry {
	parts := make([]string, len(types))
	for i, t := range types {
		// The type's index, not its name, keeps the statement free of any text but identifiers.
		parts[i] = "SELECT " + t.IDColumn + ", " + strconv.Itoa(i) + " FROM " + t.Table +
			" WHERE " + t.TenantColumn + " = $1 AND " + t.IDColumn + " = ANY($2)"
	}
	return &Registry{data: data, types: types, probe: strings.Join(parts, " UNION ALL ")}
}

// Resolve returns the object of each id, in order: nil for a malformed or unknown id, another
// business's, or one p may not read (a customer token reads only its reservation and that
// reservation's payments and refunds; a caller without a token reads nothing).
func (r *Registry) Resolve(ctx context.Context, p *auth.Principal, ids []string) ([]any, error) {
	if len(ids) > MaxIDs {
		return nil, apperr.Input("ids", apperr.TooLong, "at most 100 ids").With("max", MaxIDs)
	}
	out := make([]any, len(ids))
	if p == nil || p.TenantID == uuid.Nil {
		return out, nil
	}
	parsed := make([]uuid.UUID, len(ids))
	var valid []uuid.UUID
	for i, s := range ids {
		if id, err := uuid.Parse(s); err == nil && id.String() == s { // only the form Node.id is written in
			parsed[i] = id
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 {
		return out, nil
	}
	kinds, err := r.kinds(ctx, p.TenantID, valid)
	if err != nil {
		return nil, err
	}
	byType := map[int][]uuid.UUID{}
	for id, k := range kinds {
		byType[k] = append(byType[k], id)
	}
	found := map[uuid.UUID]any{}
	for k, typeIDs := range byType {
		objects, err := r.types[k].Load(ctx, p, typeIDs)
		if err != nil {
			return nil, apperr.Op("load "+r.types[k].Name, err)
		}
		for id, o := range objects {
			found[id] = o
		}
	}
	for i, id := range parsed {
		if id != uuid.Nil {
			out[i] = found[id]
		}
	}
	return out, nil
}

// kinds finds the type of each id that is in the tenant, in one statement (row-level security
// applies on top of the explicit tenant condition).
func (r *Registry) kinds(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]int, error) {
	out := map[uuid.UUID]int{}
	err := r.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		clear(out)
		tx.Queue(r.probe, ids).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id uuid.UUID
				var k int
				if err := rows.Scan(&id, &k); err != nil {
					return err
				}
				out[id] = k
			}
			return rows.Err()
		})
		return nil
	})
	return out, apperr.Op("node types", err)
}

// Loads shared by the types.

// each loads ids one by one through a read that answers NOT_FOUND or FORBIDDEN for what p may
// not see (left out).
func each[T any](read func(ctx context.Context, p *auth.Principal, id uuid.UUID) (*T, error)) func(context.Context, *auth.Principal, []uuid.UUID) (map[uuid.UUID]any, error) {
	return func(ctx context.Context, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]any, error) {
		out := make(map[uuid.UUID]any, len(ids))
		for _, id := range ids {
			o, err := read(ctx, p, id)
			if e, ok := apperr.As(err); ok && (e.Code == apperr.NotFound || e.Code == apperr.Forbidden) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out[id] = o
		}
		return out, nil
	}
}

// staff restricts a load to staff of the business with one of roles (any role when none).
func staff(roles []auth.Role, load func(context.Context, *auth.Principal, []uuid.UUID) (map[uuid.UUID]any, error)) func(context.Context, *auth.Principal, []uuid.UUID) (map[uuid.UUID]any, error) {
	return func(ctx context.Context, p *auth.Principal, ids []uuid.UUID) (map[uuid.UUID]any, error) {
		if !p.IsStaff() || (len(roles) > 0 && !p.HasRole(roles...)) {
			return nil, nil
		}
		return load(ctx, p, ids)
	}
}

// keyed is rows by key, as pointers.
func keyed[T any](rows []T, key func(*T) uuid.UUID) map[uuid.UUID]any {
	out := make(map[uuid.UUID]any, len(rows))
	for i := range rows {
		out[key(&rows[i])] = &rows[i]
	}
	return out
}
