package models

import (
	"time"

	"github.com/google/uuid"
)

// Customer is a business's record of a person who books (the customers table; the GraphQL type
// Customer). services/customers holds its rules.
type Customer struct {
	TenantID         uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID               uuid.UUID `gorm:"type:uuid;primaryKey"`
	Name             string
	Email            string
	EmailNormalized  string
	Phone            *string
	PhoneNormalized  *string
	Locale           *string
	Notes            *string
	MarketingEmail   bool
	MarketingEmailAt *time.Time
	MarketingSms     bool
	MarketingSmsAt   *time.Time
	Tags             []string `gorm:"type:text[]"`
	// SmsOptedOutAt is when the customer asked for no more text messages from the business (nil:
	// they may get them); SmsOptOutSource who recorded it (STAFF or CUSTOMER). services/sms.
	SmsOptedOutAt   *time.Time
	SmsOptOutSource *string
	CreatedAt       time.Time
	UpdatedAt       time.Time

	// Snapshot marks a Customer made from a reservation (Reservation.Customer): Name, Email and
	// Phone are the reservation's, and the record's other fields were not read.
	Snapshot bool `gorm:"-" json:"-" db:"-"`
}

// CustomerStats sums up a customer's reservations and their payments.
type CustomerStats struct {
	CustomerID     uuid.UUID
	VisitCount     int
	CompletedCount int
	NoShowCount    int
	CancelledCount int
	// Money received and refunded, in minor units of Currency (the business's currency).
	AmountPaid     int64
	AmountRefunded int64
	Currency       string
	FirstVisitAt   *time.Time
	LastVisitAt    *time.Time
}

// Paid is AmountPaid as Money.
func (s *CustomerStats) Paid() Money { return Money{Amount: int(s.AmountPaid), Currency: s.Currency} }

// Refunded is AmountRefunded as Money.
func (s *CustomerStats) Refunded() Money {
	return Money{Amount: int(s.AmountRefunded), Currency: s.Currency}
}
