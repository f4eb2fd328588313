package models

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// PaymentMethodKind is how a customer pays.
type PaymentMethodKind string

// Payment method kinds.
const (
	MethodImoje        PaymentMethodKind = "IMOJE"
	MethodOnSite       PaymentMethodKind = "ON_SITE"
	MethodBankTransfer PaymentMethodKind = "BANK_TRANSFER"
)

// PaymentMethod is one way a tenant accepts money.
type PaymentMethod struct {
	TenantID    uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID          uuid.UUID `gorm:"type:uuid;primaryKey"`
	Kind        PaymentMethodKind
	DisplayName string
	Description string
	Enabled     bool
	SortOrder   int
	IsDefault   bool
	// AutoRefundUnwanted: money for a reservation already paid, cancelled or expired is refunded
	// through imoje at once (true, the default) or kept and flagged for staff.
	AutoRefundUnwanted bool
	AccountHolder      *string
	AccountNumber      *string
	BankName           *string
	TitleTemplate      *string
	ArchivedAt         *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time

	Imoje *ImojeCredentials `gorm:"foreignKey:TenantID,PaymentMethodID;references:TenantID,ID"`
}

// ImojeCredentials are a tenant's imoje shop; the secrets are sealed (services/secrets).
type ImojeCredentials struct {
	TenantID           uuid.UUID `gorm:"type:uuid;primaryKey"`
	PaymentMethodID    uuid.UUID `gorm:"type:uuid;primaryKey"`
	MerchantID         string
	ServiceID          uuid.UUID `gorm:"type:uuid"`
	Environment        string
	APIBaseURL         string `gorm:"column:api_base_url"`
	TokenSealed        string
	TokenHint          string
	ServiceKeySealed   string
	ServiceKeyHint     string
	OfferedChannels    []string        `gorm:"serializer:json"`
	ShopChannels       json.RawMessage `gorm:"type:jsonb"`
	VerifiedAt         time.Time
	LastNotificationAt *time.Time
	NextRefundAt       time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// TableName is the SQL table.
func (ImojeCredentials) TableName() string { return "imoje_credentials" }

// PaymentState is a payment's own status (the reservation's payment status follows from it).
type PaymentState string

// Payment states. CREATED: recorded, imoje being asked; UNKNOWN: imoje did not answer (timeout,
// crash), so the payment may be in progress; PENDING: imoje has it; PAID: settled; FAILED: rejected,
// error, refused by imoje, or never heard of within its lifetime; CANCELLED: the payment link expired
// or was cancelled; SUPERSEDED: an unknown or unsettled payment a newer one replaced; DUPLICATE:
// settled while the reservation was already paid (the money is refunded).
//
// CREATED, UNKNOWN, PENDING and PAID are active. A reservation has at most one payment in flight
// (CREATED, UNKNOWN, PENDING) and may have several PAID ones (a deposit, then the balance).
const (
	PaymentStateCreated    PaymentState = "CREATED"
	PaymentStateUnknown    PaymentState = "UNKNOWN"
	PaymentStatePending    PaymentState = "PENDING"
	PaymentStatePaid       PaymentState = "PAID"
	PaymentStateFailed     PaymentState = "FAILED"
	PaymentStateCancelled  PaymentState = "CANCELLED"
	PaymentStateSuperseded PaymentState = "SUPERSEDED"
	PaymentStateDuplicate  PaymentState = "DUPLICATE"
)

// Payment is one attempt to pay a reservation online.
type Payment struct {
	TenantID           uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID                 uuid.UUID `gorm:"type:uuid;primaryKey"`
	ReservationID      uuid.UUID `gorm:"type:uuid"`
	PaymentMethodID    uuid.UUID `gorm:"type:uuid"`
	Channel            string
	ImojeMethod        *string
	ImojeMethodCode    *string
	Amount             int64
	Currency           string
	Status             PaymentState
	RefundedAmount     int64
	ImojeStatus        *string
	ImojeTransactionID *uuid.UUID `gorm:"type:uuid"`
	ImojePaymentID     *uuid.UUID `gorm:"type:uuid"`
	RedirectURL        *string
	FailureCode        *string
	FailureMessage     *string
	IdempotencyKey     string
	RequestHash        []byte
	CreatedBy          string
	// PaidBefore is what the reservation had been paid when this payment started: it pays what was
	// due then, and settling after more was paid since makes it a DUPLICATE.
	PaidBefore int64
	PaidAt     *time.Time
	// ValidTo is the lifetime slotpay gave imoje (validTo): imoje cancels what is still unpaid then.
	ValidTo       *time.Time
	NextCheckAt   *time.Time
	CheckAttempts int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Refund is money given back on a paid payment.
type Refund struct {
	TenantID       uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID             uuid.UUID `gorm:"type:uuid;primaryKey"`
	PaymentID      uuid.UUID `gorm:"type:uuid"`
	Amount         int64
	Status         string
	ImojeRefundID  *uuid.UUID `gorm:"type:uuid"`
	Reason         string
	FailureMessage *string
	RequestedBy    *uuid.UUID `gorm:"type:uuid"`
	// Automatic refunds are slotpay's own: money for a reservation already paid, cancelled or expired.
	Automatic bool
	NotBefore time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ImojeNotification is a verified notification as received.
type ImojeNotification struct {
	TenantID    uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID          uuid.UUID `gorm:"type:uuid;primaryKey"`
	Body        string
	BodySHA256  []byte `gorm:"column:body_sha256"`
	Kind        string
	ImojeID     string
	ImojeStatus string
	OrderID     string
	PaymentID   *uuid.UUID `gorm:"type:uuid"`
	Outcome     string
	Detail      string
	ReceivedAt  time.Time
}

// Rank orders payment states for forward-only updates: a state never moves to a lower rank, and the
// final ones (PAID, FAILED, CANCELLED, DUPLICATE) never change, except that money arriving (imoje's
// settled, the only state that means it) wins over a FAILED or CANCELLED recorded without a final
// word from imoje. SUPERSEDED is not final: imoje may still settle it.
func (s PaymentState) Rank() int {
	switch s {
	case PaymentStateCreated, PaymentStateUnknown:
		return 0
	case PaymentStatePending, PaymentStateSuperseded:
		return 1
	}
	return 2
}

// Final reports PAID, FAILED, CANCELLED and DUPLICATE.
func (s PaymentState) Final() bool { return s.Rank() == 2 }

// Active reports the states that hold the reservation's one active payment.
func (s PaymentState) Active() bool {
	switch s {
	case PaymentStateCreated, PaymentStateUnknown, PaymentStatePending, PaymentStatePaid:
		return true
	}
	return false
}

// Settled reports the states in which imoje holds the payer's money (refunds are possible).
func (s PaymentState) Settled() bool { return s == PaymentStatePaid || s == PaymentStateDuplicate }
