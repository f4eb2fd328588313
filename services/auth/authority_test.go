package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/apperr"
)

func TestStanding(t *testing.T) {
	t.Parallel()
	token := Principal{Kind: KindStaff, UserID: uuid.New(), TenantID: uuid.New(), Role: RoleAdmin, TokenID: "jti", ExpiresAt: 42}
	dbDown := errors.New("connection refused")
	tests := []struct {
		name     string
		role     Role
		err      error
		wantRole Role
		wantErr  error
	}{
		{"the membership's role, not the token's", RoleStaff, nil, RoleStaff, nil},
		{"promoted", RoleOwner, nil, RoleOwner, nil},
		{"unchanged", RoleAdmin, nil, RoleAdmin, nil},
		{"removed", "", ErrNotMember, "", ErrNotMember},
		{"removed, wrapped by the store", "", apperr.Op("member role", ErrNotMember), "", ErrNotMember},
		{"database failing", "", dbDown, "", dbDown},
		{"unknown role", "GUEST", nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := standing(token, tt.role, tt.err)
			if tt.wantRole == "" {
				if p != nil || err == nil {
					t.Fatalf("standing = %+v, %v; want no principal and an error", p, err)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := token
			want.Role = tt.wantRole
			if *p != want {
				t.Fatalf("standing = %+v, want %+v", *p, want)
			}
		})
	}
	// A removed member is FORBIDDEN, not UNAUTHENTICATED: the token is genuine.
	if ae, ok := apperr.As(ErrNotMember); !ok || ae.Code != apperr.Forbidden {
		t.Fatalf("ErrNotMember is %v", ErrNotMember)
	}
}

func TestWithCallerKeepsCustomersAndRefusals(t *testing.T) {
	t.Parallel()
	customer := &Principal{Kind: KindCustomer, TenantID: uuid.New(), ReservationID: uuid.New()}
	ctx := WithCaller(context.Background(), customer, nil, nil)
	if p, err := FromContext(ctx); err != nil || p != customer {
		t.Fatalf("customer: %v %v", p, err)
	}
	ctx = WithCaller(context.Background(), nil, ErrInvalidToken, nil)
	if _, err := FromContext(ctx); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("refused token: %v", err)
	}
	if _, err := Staff(WithCaller(context.Background(), customer, nil, nil)); !errors.Is(err, apperr.ErrForbidden) {
		t.Fatalf("customer as staff: %v", err)
	}
}
