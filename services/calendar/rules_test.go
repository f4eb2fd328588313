package calendar

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/auth"
)

func TestEventStatus(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Minute), now.Add(-time.Minute)
	for _, c := range []struct {
		name   string
		status models.ReservationStatus
		hold   *time.Time
		want   Status
	}{
		{"confirmed", models.StatusConfirmed, nil, StatusConfirmed},
		{"completed", models.StatusCompleted, nil, StatusConfirmed},
		{"no-show (the slot was held)", models.StatusNoShow, nil, StatusConfirmed},
		{"requested", models.StatusRequested, nil, StatusTentative},
		{"unpaid hold in time", models.StatusPendingPayment, &later, StatusTentative},
		{"unpaid hold at its deadline", models.StatusPendingPayment, &now, StatusCancelled},
		{"unpaid hold past its deadline", models.StatusPendingPayment, &earlier, StatusCancelled},
		{"cancelled", models.StatusCancelled, nil, StatusCancelled},
		{"declined", models.StatusDeclined, nil, StatusCancelled},
		{"expired", models.StatusExpired, nil, StatusCancelled},
	} {
		if got := EventStatus(c.status, c.hold, now); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestMayManageFeed(t *testing.T) {
	t.Parallel()
	me, someone := uuid.New(), uuid.New()
	staffID := uuid.New()
	role := func(r auth.Role) *auth.Principal {
		return &auth.Principal{Kind: auth.KindStaff, UserID: me, Role: r}
	}
	for _, c := range []struct {
		name   string
		p      *auth.Principal
		staff  *uuid.UUID
		linked *uuid.UUID
		want   bool
	}{
		{"owner: business feed", role(auth.RoleOwner), nil, nil, true},
		{"admin: anyone's feed", role(auth.RoleAdmin), &staffID, &someone, true},
		{"staff: own feed", role(auth.RoleStaff), &staffID, &me, true},
		{"staff: another's feed", role(auth.RoleStaff), &staffID, &someone, false},
		{"staff: an unlinked staff member's feed", role(auth.RoleStaff), &staffID, nil, false},
		{"staff: the business feed", role(auth.RoleStaff), nil, nil, false},
		{"a customer token", &auth.Principal{Kind: auth.KindCustomer}, &staffID, &me, false},
	} {
		if got := mayManageFeed(c.p, c.staff, c.linked); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAddress(t *testing.T) {
	t.Parallel()
	s := func(v string) *string { return &v }
	b := Business{AddressLine1: s("ul. Długa 5"), AddressLine2: s("lok. 3"), PostalCode: s("31-147"), City: s("Kraków"), Country: s("PL")}
	if got := b.Address(); got != "ul. Długa 5, lok. 3, 31-147 Kraków, PL" {
		t.Errorf("address %q", got)
	}
	if got := (&Business{City: s("Kraków")}).Address(); got != "Kraków" {
		t.Errorf("city only %q", got)
	}
	if got := (&Business{}).Address(); got != "" {
		t.Errorf("none %q", got)
	}
}
