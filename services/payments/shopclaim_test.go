package payments

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/imoje"
)

func TestHolderVerdict(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	own := &imoje.Service{ID: id.String(), IsActive: true}
	for _, c := range []struct {
		name      string
		callable  bool
		shop      *imoje.Service
		err       error
		stale     bool
		wantError error
	}{
		{"imoje still accepts the holder's token", true, own, nil, false, nil},
		{"an inactive shop is still the holder's", true, &imoje.Service{ID: id.String()}, nil, false, nil},
		{"imoje answers for another shop", true, &imoje.Service{ID: uuid.NewString()}, nil, true, nil},
		{"the holder's token was revoked", true, nil, &imoje.APIError{Status: 401}, true, nil},
		{"the holder's token is forbidden", true, nil, &imoje.APIError{Status: 403}, true, nil},
		{"imoje no longer knows the shop for the holder", true, nil, &imoje.APIError{Status: 404}, true, nil},
		{"imoje refuses the holder's shop id", true, nil, &imoje.APIError{Status: 422}, true, nil},
		{"imoje does not answer", true, nil, &imoje.APIError{Status: 0, Message: "timeout"}, false, ErrImojeUnavailable},
		{"imoje fails", true, nil, &imoje.APIError{Status: 502}, false, ErrImojeUnavailable},
		{"some other refusal keeps the holder", true, nil, &imoje.APIError{Status: 400}, false, nil},
		{"a custom URL this server does not call", false, nil, nil, true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			stale, err := holderVerdict(c.callable, c.shop, c.err, id)
			if stale != c.stale || (c.wantError == nil) != (err == nil) || (c.wantError != nil && !errors.Is(err, c.wantError)) {
				t.Fatalf("stale %v err %v, want %v %v", stale, err, c.stale, c.wantError)
			}
		})
	}
}
