package model

import "github.com/google/uuid"

// ReservationEvent is one push of reservationUpdated or reservationsChanged. It carries ids only:
// its reservation field is resolved when the event is sent, through the same tenant-scoped path as
// the reservation query, so the client receives the current object and nothing it may not read.
type ReservationEvent struct {
	Kind LiveEventKind
	// ReservationID is uuid.Nil on a RESYNC of reservationsChanged (no single reservation).
	ReservationID uuid.UUID
}

// PaymentEvent is one push of paymentUpdated; its payment field is resolved when it is sent.
type PaymentEvent struct {
	Kind          LiveEventKind
	ReservationID uuid.UUID
	// PaymentID is uuid.Nil on RESYNC: the reservation's newest payment is sent.
	PaymentID uuid.UUID
}
