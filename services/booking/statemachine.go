package booking

import (
	"github.com/slotpay/slotpay/models"
)

// ActorKind is who asks for a transition.
type ActorKind int

// Actor kinds.
const (
	ActorStaff ActorKind = 1 << iota
	ActorCustomer
	ActorSystem // hold expiry, decision deadlines, payments
)

// transitions is the reservation lifecycle: from → to → who may make the change. Anything missing
// is refused with ErrIllegalTransition. Leaving REQUESTED/PENDING_PAYMENT/CONFIRMED frees the seat
// (the reservations_occupy trigger); nothing ever comes back into those three statuses, so a freed
// slot is never silently re-taken.
var transitions = map[models.ReservationStatus]map[models.ReservationStatus]ActorKind{
	models.StatusRequested: {
		// Approved by staff: CONFIRMED, or PENDING_PAYMENT when prepayment is required and not made.
		// A payment that settles while the request waits does not confirm it (no ActorSystem).
		models.StatusConfirmed:      ActorStaff,
		models.StatusPendingPayment: ActorStaff,
		models.StatusDeclined:       ActorStaff | ActorSystem, // declined, or its decision deadline passed
		models.StatusCancelled:      ActorStaff | ActorCustomer,
	},
	models.StatusPendingPayment: {
		models.StatusConfirmed: ActorStaff | ActorSystem, // paid, or confirmed by hand (paid on site)
		models.StatusCancelled: ActorStaff | ActorCustomer,
		models.StatusExpired:   ActorSystem, // the hold ran out
	},
	models.StatusConfirmed: {
		models.StatusCancelled: ActorStaff | ActorCustomer,
		models.StatusCompleted: ActorStaff,
		models.StatusNoShow:    ActorStaff,
	},
	// CANCELLED, COMPLETED, NO_SHOW, EXPIRED and DECLINED are final.
}

// CanTransition reports whether actor may move a reservation from one status to another.
func CanTransition(from, to models.ReservationStatus, actor ActorKind) bool {
	return transitions[from][to]&actor != 0
}

// History actors that are not a user id.
const (
	HistoryActorCustomer = "customer"
	HistoryActorSystem   = "system"
)
