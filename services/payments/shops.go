package payments

import (
	"context"
	"errors"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/database"
)

// shop is what the webhook needs to know about an imoje shop before it may read or write anything
// else: whose it is, and its key (opened from the sealed column, which is kept to recognise a key
// that changed since).
type shop struct {
	tenantID        uuid.UUID
	paymentMethodID uuid.UUID
	merchantID      string
	serviceID       uuid.UUID
	keySealed       string
	key             string
}

type shopRef struct {
	merchantID string
	serviceID  uuid.UUID
}

// shopKeys remembers the shops this instance has received notifications for, so a notification's
// signature is checked before the database is asked anything: the common case then needs no
// round trip for the tenant and the key. The memory is only a hint: every transaction that applies
// a notification re-reads the shop's row and goes on only if it still belongs to the same tenant
// and has the same sealed key (errStaleShop otherwise, and the notification is checked again with
// what the database says), so a key changed on another instance is never trusted. Unknown shops are
// not remembered (random headers cannot fill memory); the map is emptied when it grows past
// maxShops.
type shopKeys struct {
	mu sync.RWMutex
	m  map[shopRef]*shop
}

const maxShops = 10000

// errStaleShop says the shop's row no longer matches what the signature was checked with.
var errStaleShop = errors.New("imoje shop credentials changed since they were read")

func (k *shopKeys) cached(ref shopRef) *shop {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.m[ref]
}

func (k *shopKeys) remember(ref shopRef, sh *shop) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil || len(k.m) >= maxShops {
		k.m = map[shopRef]*shop{}
	}
	k.m[ref] = sh
}

func (k *shopKeys) forget(ref shopRef) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, ref)
}

// shopFor returns the shop of a notification header: from memory unless fresh is set, else from the
// database (the owner through imoje_shop_owner, which may cross tenants, then the credentials in
// that tenant's scope). An unknown shop is refused (RefusedUnknownShop).
func (s *Service) shopFor(ctx context.Context, ref shopRef, fresh bool) (sh *shop, cached bool, err error) {
	if !fresh {
		if sh := s.shops.cached(ref); sh != nil {
			return sh, true, nil
		}
	}
	owners, err := s.shopOwners(ctx, ref)
	if err != nil {
		return nil, false, err // database trouble: 503, imoje retries
	}
	if len(owners) != 1 {
		s.shops.forget(ref)
		return nil, false, refuse(RefusedUnknownShop, "unknown shop", nil)
	}
	sh = &shop{tenantID: owners[0].TenantID, paymentMethodID: owners[0].PaymentMethodID, merchantID: ref.merchantID, serviceID: ref.serviceID}
	found := false
	err = s.db.InTenant(ctx, sh.tenantID, func(tx *database.Tx) error {
		tx.Queue(`SELECT service_key_sealed FROM imoje_credentials WHERE tenant_id = $1 AND payment_method_id = $2 AND merchant_id = $3 AND service_id = $4`,
			sh.paymentMethodID, sh.merchantID, sh.serviceID).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				found = true
				if err := rows.Scan(&sh.keySealed); err != nil {
					return err
				}
			}
			return rows.Err()
		})
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if !found {
		// Removed between the two reads.
		s.shops.forget(ref)
		return nil, false, refuse(RefusedUnknownShop, "unknown shop", nil)
	}
	if sh.key, err = s.box.Open(sh.tenantID, fieldServiceKey, sh.keySealed); err != nil {
		return nil, false, err
	}
	s.shops.remember(ref, sh)
	return sh, false, nil
}

// shopOwners is who holds the shop (imoje_shop_owner, which may cross tenants: it belongs to no
// tenant's transaction). More than one row never happens; none is a free shop.
func (s *Service) shopOwners(ctx context.Context, ref shopRef) ([]shopOwner, error) {
	rows, err := s.db.Pool().Query(ctx, `SELECT tenant_id, payment_method_id FROM imoje_shop_owner($1, $2)`, ref.merchantID, ref.serviceID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[shopOwner])
}
