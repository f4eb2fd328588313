package payments

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/imoje"
)

// Who holds an imoje shop (merchant id + shop id). A shop belongs to one business: its
// notifications are verified with that business's shop key and applied to its payments. A claim is
// taken only after imoje itself (its real host, in production) accepted the claimant's token for
// the shop, so nobody can hold a shop without a token imoje accepts for it.
//
// When another business already holds the shop, the holder keeps it while imoje still accepts the
// holder's own token for it: the claimant gets ErrShopTaken, which names no business. The proof of
// ownership is the one only the shop's owner can give: generating a new authorization token in
// imoje's panel, which ends the old one. Once imoje refuses the holder's token (or the holder's
// credentials name a custom URL this server does not call) the holder's connection is dead anyway
// (it can neither start nor check payments) and the shop is released to the claimant, whose token
// imoje has just accepted.

// holderVerdict decides, from imoje's answer to the holder's own GET service, whether the holder
// still holds the shop. callable is false when this server would not call the holder's base URL.
func holderVerdict(callable bool, shop *imoje.Service, err error, serviceID uuid.UUID) (stale bool, verdictErr error) {
	if !callable {
		return true, nil
	}
	if err == nil {
		if shop != nil && strings.EqualFold(shop.ID, serviceID.String()) {
			return false, nil
		}
		return true, nil
	}
	e, ok := imoje.AsAPIError(err)
	switch {
	case !ok || e.Unavailable():
		// Not known: the holder keeps the shop; the claimant may try again later.
		return false, ErrImojeUnavailable.Wrap(err)
	case e.Unauthorized(), e.Status == 404, e.Status == 422:
		return true, nil
	}
	return false, nil
}

// releaseStaleClaim makes way for p's claim of the shop when another business holds it with a
// token imoje no longer accepts; it returns ErrShopTaken when the holder keeps it.
func (s *Service) releaseStaleClaim(ctx context.Context, claimant uuid.UUID, merchantID string, serviceID uuid.UUID) error {
	owners, err := s.shopOwners(ctx, shopRef{merchantID: merchantID, serviceID: serviceID})
	if err != nil {
		return err
	}
	if len(owners) != 1 || owners[0].TenantID == claimant {
		return nil // free, or the claimant's own row (updated in place)
	}
	holder := owners[0]
	var cred models.ImojeCredentials
	err = s.db.InTenant(ctx, holder.TenantID, func(tx *database.Tx) error {
		return tx.Gorm().First(&cred, "tenant_id = ? AND payment_method_id = ?", holder.TenantID, holder.PaymentMethodID).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil // released meanwhile
	}
	if err != nil {
		return err
	}
	callable := s.baseURLAllowed(cred.APIBaseURL)
	var shop *imoje.Service
	var askErr error
	if callable {
		client, _, err := s.client(&cred)
		if err != nil {
			return err
		}
		shop, askErr = client.GetService(ctx, serviceID.String())
	}
	stale, err := holderVerdict(callable, shop, askErr, serviceID)
	if err != nil {
		return err
	}
	if !stale {
		return ErrShopTaken.WithField("shopId")
	}
	// Only the row as read: a holder that saved a new token meanwhile keeps the shop (the claim
	// then meets the unique index and is ErrShopTaken).
	err = s.db.InTenant(ctx, holder.TenantID, func(tx *database.Tx) error {
		return tx.Gorm().Where("tenant_id = ? AND payment_method_id = ? AND merchant_id = ? AND service_id = ? AND token_sealed = ?",
			holder.TenantID, holder.PaymentMethodID, merchantID, serviceID, cred.TokenSealed).Delete(&models.ImojeCredentials{}).Error
	})
	if err != nil {
		return err
	}
	s.shops.forget(shopRef{merchantID: merchantID, serviceID: serviceID})
	s.o.Log.WarnContext(ctx, "imoje shop released: imoje no longer accepts its holder's token",
		"merchant_id", merchantID, "shop_id", serviceID.String(), "holder_tenant_id", holder.TenantID.String(), "claimant_tenant_id", claimant.String())
	return nil
}
