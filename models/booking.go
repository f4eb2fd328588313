package models

import (
	"database/sql/driver"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// BookingSettings are a tenant's booking rules (columns of tenants).
type BookingSettings struct {
	TenantID           uuid.UUID `gorm:"column:id;type:uuid;primaryKey" db:"id"` // db: the column name for pgx scans
	TimeZone           string
	Currency           string
	MinNoticeMinutes   int
	BookingHorizonDays int
	SlotStepMinutes    int
	DefaultHoldMinutes int
	// RequiresConfirmation makes bookings requests that staff approve or decline (services may
	// override it); ApprovalDeadlineHours is how long staff have to decide (never past the start).
	RequiresConfirmation  bool
	ApprovalDeadlineHours int
	CancellationRules
}

// LateCancellationFee is what a cancellation after the free window keeps of what was paid.
type LateCancellationFee string

// Late-cancellation fees.
const (
	LateFeeNoRefund LateCancellationFee = "NO_REFUND" // everything paid is kept
	LateFeePercent  LateCancellationFee = "PERCENT"   // a percentage of the price, at most what was paid
	LateFeeFixed    LateCancellationFee = "FIXED"     // a fixed amount, at most what was paid
)

// Valid reports a known fee kind.
func (f LateCancellationFee) Valid() bool {
	return f == LateFeeNoRefund || f == LateFeePercent || f == LateFeeFixed
}

// MarshalGQL writes the enum value.
func (f LateCancellationFee) MarshalGQL(w io.Writer) { writeEnum(w, string(f)) }

// UnmarshalGQL reads the enum value.
func (f *LateCancellationFee) UnmarshalGQL(v any) error {
	return readEnum(v, f, "LateCancellationFee")
}

// CancellationRules are a business's cancellation and change policy (columns of tenants; see
// migrations/00010 and services/booking/policy.go).
//
// The gorm defaults repeat the columns' defaults, so a tenant created through gorm (sign-up) gets them.
type CancellationRules struct {
	FreeCancellationHours        int                 `gorm:"default:24"`
	LateCancellationFee          LateCancellationFee `gorm:"default:NO_REFUND"`
	LateCancellationFeePercent   int                 `gorm:"default:0"`
	LateCancellationFeeAmount    int64               `gorm:"default:0"`
	CustomerMayCancel            bool                `gorm:"default:true"`
	CustomerCancelUntilHours     int                 `gorm:"default:0"`
	CustomerMayReschedule        bool                `gorm:"default:true"`
	CustomerRescheduleUntilHours int                 `gorm:"default:24"`
}

// CancellationOverrides are a service's overrides of its business's CancellationRules (columns of
// services): nil follows the business.
type CancellationOverrides struct {
	FreeCancellationHours        *int
	LateCancellationFee          *LateCancellationFee
	LateCancellationFeePercent   *int
	LateCancellationFeeAmount    *int64
	CustomerMayCancel            *bool
	CustomerCancelUntilHours     *int
	CustomerMayReschedule        *bool
	CustomerRescheduleUntilHours *int
}

// Overridden reports whether any rule is the service's own.
func (o CancellationOverrides) Overridden() bool { return o != (CancellationOverrides{}) }

// TableName maps the settings onto tenants.
func (BookingSettings) TableName() string { return "tenants" }

// PaymentPolicy says whether a service is paid online.
type PaymentPolicy string

// Payment policies.
const (
	PaymentPolicyNone     PaymentPolicy = "NONE"     // pay on site
	PaymentPolicyOptional PaymentPolicy = "OPTIONAL" // the customer may pay online
	PaymentPolicyRequired PaymentPolicy = "REQUIRED" // prepayment; unpaid reservations expire
)

// Valid reports a known policy.
func (p PaymentPolicy) Valid() bool {
	return p == PaymentPolicyNone || p == PaymentPolicyOptional || p == PaymentPolicyRequired
}

// MarshalGQL writes the enum value.
func (p PaymentPolicy) MarshalGQL(w io.Writer) { writeEnum(w, string(p)) }

// UnmarshalGQL reads the enum value.
func (p *PaymentPolicy) UnmarshalGQL(v any) error { return readEnum(v, p, "PaymentPolicy") }

// DepositKind says what a service asks up front instead of its whole price.
type DepositKind string

// Deposit kinds.
const (
	DepositNone    DepositKind = "NONE"    // the whole price is paid up front
	DepositFixed   DepositKind = "FIXED"   // a fixed amount (minor units, below the price)
	DepositPercent DepositKind = "PERCENT" // a percentage of the price (1..99), rounded half up
)

// Valid reports a known kind.
func (k DepositKind) Valid() bool {
	return k == DepositNone || k == DepositFixed || k == DepositPercent
}

// MarshalGQL writes the enum value.
func (k DepositKind) MarshalGQL(w io.Writer) { writeEnum(w, string(k)) }

// UnmarshalGQL reads the enum value.
func (k *DepositKind) UnmarshalGQL(v any) error { return readEnum(v, k, "DepositKind") }

// ReservationStatus is where a reservation is in its lifecycle (services/booking holds the rules).
type ReservationStatus string

// Reservation statuses.
const (
	StatusRequested      ReservationStatus = "REQUESTED" // waiting for staff to approve or decline
	StatusPendingPayment ReservationStatus = "PENDING_PAYMENT"
	StatusConfirmed      ReservationStatus = "CONFIRMED"
	StatusCancelled      ReservationStatus = "CANCELLED"
	StatusCompleted      ReservationStatus = "COMPLETED"
	StatusNoShow         ReservationStatus = "NO_SHOW"
	StatusExpired        ReservationStatus = "EXPIRED"
	StatusDeclined       ReservationStatus = "DECLINED" // a request staff (or its deadline) turned down
)

// Valid reports a known status.
func (s ReservationStatus) Valid() bool {
	switch s {
	case StatusRequested, StatusPendingPayment, StatusConfirmed, StatusCancelled, StatusCompleted, StatusNoShow, StatusExpired, StatusDeclined:
		return true
	}
	return false
}

// Active statuses occupy a slot (the reservations_occupy trigger counts the same three).
func (s ReservationStatus) Active() bool {
	return s == StatusRequested || s == StatusPendingPayment || s == StatusConfirmed
}

// MarshalGQL writes the enum value.
func (s ReservationStatus) MarshalGQL(w io.Writer) { writeEnum(w, string(s)) }

// UnmarshalGQL reads the enum value.
func (s *ReservationStatus) UnmarshalGQL(v any) error {
	return readEnum(v, s, "ReservationStatus")
}

// PaymentStatus is the state of a reservation's payment (driven by the payments domain).
type PaymentStatus string

// Payment statuses.
const (
	PaymentNotRequired       PaymentStatus = "NOT_REQUIRED"
	PaymentUnpaid            PaymentStatus = "UNPAID"
	PaymentPending           PaymentStatus = "PENDING"
	PaymentPartiallyPaid     PaymentStatus = "PARTIALLY_PAID" // part paid (e.g. the deposit), the balance due
	PaymentPaid              PaymentStatus = "PAID"
	PaymentPartiallyRefunded PaymentStatus = "PARTIALLY_REFUNDED"
	PaymentRefunded          PaymentStatus = "REFUNDED"
	PaymentFailed            PaymentStatus = "FAILED"
)

// Valid reports a known payment status.
func (s PaymentStatus) Valid() bool {
	switch s {
	case PaymentNotRequired, PaymentUnpaid, PaymentPending, PaymentPartiallyPaid, PaymentPaid, PaymentPartiallyRefunded, PaymentRefunded, PaymentFailed:
		return true
	}
	return false
}

// MarshalGQL writes the enum value.
func (s PaymentStatus) MarshalGQL(w io.Writer) { writeEnum(w, string(s)) }

// UnmarshalGQL reads the enum value.
func (s *PaymentStatus) UnmarshalGQL(v any) error { return readEnum(v, s, "PaymentStatus") }

type validEnum interface {
	~string
	Valid() bool
}

func writeEnum(w io.Writer, s string) { _, _ = io.WriteString(w, strconv.Quote(s)) }

func readEnum[T validEnum](v any, dst *T, name string) error {
	s, ok := v.(string)
	if !ok || !T(s).Valid() {
		return fmt.Errorf("%v is not a valid %s", v, name)
	}
	*dst = T(s)
	return nil
}

// Service is something a tenant sells: a duration of a staff member's time at a price.
type Service struct {
	TenantID            uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID                  uuid.UUID `gorm:"type:uuid;primaryKey"`
	Name                string
	Description         string
	Category            *string
	DurationMinutes     int
	PriceAmount         int64
	Currency            string
	BufferBeforeMinutes int
	BufferAfterMinutes  int
	Capacity            int
	PaymentPolicy       PaymentPolicy
	// DepositKind and DepositValue: what is paid up front instead of the whole price (see
	// DepositKind); DepositValue is minor units for FIXED, a percentage for PERCENT, 0 for NONE.
	DepositKind  DepositKind
	DepositValue int64
	HoldMinutes  *int
	// RequiresConfirmation overrides the business's setting; nil follows it.
	RequiresConfirmation *bool
	Active               bool
	ArchivedAt           *time.Time
	CreatedAt            time.Time
	UpdatedAt            time.Time
	CancellationOverrides
}

// NeedsConfirmation reports whether bookings of the service are requests staff decide on.
func (s *Service) NeedsConfirmation(settings BookingSettings) bool {
	if s.RequiresConfirmation != nil {
		return *s.RequiresConfirmation
	}
	return settings.RequiresConfirmation
}

// Duration is the service's length.
func (s *Service) Duration() time.Duration { return time.Duration(s.DurationMinutes) * time.Minute }

// Bookable reports whether new reservations may be made for the service.
func (s *Service) Bookable() bool { return s.Active && s.ArchivedAt == nil }

// StaffMember is a worker who performs services; UserID links a member account.
type StaffMember struct {
	TenantID   uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID         uuid.UUID `gorm:"type:uuid;primaryKey"`
	Name       string
	UserID     *uuid.UUID `gorm:"type:uuid"`
	Active     bool
	ArchivedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// StaffService says a staff member performs a service.
type StaffService struct {
	TenantID      uuid.UUID `gorm:"type:uuid;primaryKey"`
	StaffMemberID uuid.UUID `gorm:"type:uuid;primaryKey"`
	ServiceID     uuid.UUID `gorm:"type:uuid;primaryKey"`
}

// WeeklyInterval is working time on a weekday, in local minutes since midnight [StartMinute, EndMinute).
type WeeklyInterval struct {
	TenantID      uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID            uuid.UUID `gorm:"type:uuid;primaryKey"`
	StaffMemberID uuid.UUID `gorm:"type:uuid"`
	Weekday       int
	StartMinute   int
	EndMinute     int
}

// ScheduleException replaces a local date's working hours; nil minutes mean a day off.
type ScheduleException struct {
	TenantID      uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID            uuid.UUID `gorm:"type:uuid;primaryKey"`
	StaffMemberID uuid.UUID `gorm:"type:uuid"`
	Date          Date
	StartMinute   *int
	EndMinute     *int
}

// TimeOff is an absolute range a staff member does not work.
type TimeOff struct {
	TenantID      uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID            uuid.UUID `gorm:"type:uuid;primaryKey"`
	StaffMemberID uuid.UUID `gorm:"type:uuid"`
	StartsAt      time.Time
	EndsAt        time.Time
	Reason        string
	CreatedAt     time.Time
}

// TableName is time_off, not time_offs.
func (TimeOff) TableName() string { return "time_off" }

// Reservation is a customer's booking of a service with a staff member.
type Reservation struct {
	TenantID      uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID            uuid.UUID `gorm:"type:uuid;primaryKey"`
	ServiceID     uuid.UUID `gorm:"type:uuid"`
	StaffMemberID uuid.UUID `gorm:"type:uuid"`
	OccupationID  uuid.UUID `gorm:"type:uuid"`
	CustomerID    uuid.UUID `gorm:"type:uuid"`
	StartsAt      time.Time
	EndsAt        time.Time
	Status        ReservationStatus
	PaymentStatus PaymentStatus
	PriceAmount   int64
	Currency      string
	// DepositAmount is the deposit snapshotted at booking (nil: none, the price is paid up front);
	// PaidAmount what paid it (settled online payments, and what staff recorded as paid at the
	// venue), RefundedAmount the settled refunds of those payments. See Reservation.Balance.
	DepositAmount  *int64
	PaidAmount     int64
	RefundedAmount int64
	HoldExpiresAt  *time.Time
	// DecisionDeadline is when a REQUESTED reservation is declined unless staff decided before.
	DecisionDeadline *time.Time
	DeclineReason    *string
	CustomerName     string
	CustomerEmail    string
	CustomerPhone    string
	Note             string
	Source           string
	CreatedBy        *uuid.UUID `gorm:"type:uuid"`
	CancelReason     *string
	IdempotencyKey   *string
	RequestHash      []byte
	// CalendarSequence is the iCalendar SEQUENCE of the visit's event: one more on every reschedule
	// (services/calendar).
	CalendarSequence int
	CreatedAt        time.Time
	UpdatedAt        time.Time

	// Related rows, not columns: the GraphQL edge reads the ones a response selected for all its
	// reservations at once and attaches them here, so they are marshalled as plain fields.
	Service     *Service             `gorm:"-" json:"-"`
	StaffMember *StaffMember         `gorm:"-" json:"-"`
	History     []ReservationHistory `gorm:"-" json:"-"`
	Payments    []Payment            `gorm:"-" json:"-"`
}

// Reservation sources.
const (
	SourcePublic = "PUBLIC"
	SourceStaff  = "STAFF"
)

// ReservationHistory is one transition of a reservation. Actor is a user id, "customer" or "system".
type ReservationHistory struct {
	TenantID          uuid.UUID `gorm:"type:uuid;primaryKey"`
	ID                uuid.UUID `gorm:"type:uuid;primaryKey"`
	ReservationID     uuid.UUID `gorm:"type:uuid"`
	FromStatus        *ReservationStatus
	ToStatus          ReservationStatus
	FromPaymentStatus *PaymentStatus
	ToPaymentStatus   PaymentStatus
	Actor             string
	Reason            string
	// A reschedule's move: from and to which start and staff member (nil when neither moved).
	FromStartsAt      *time.Time
	ToStartsAt        *time.Time
	FromStaffMemberID *uuid.UUID `gorm:"type:uuid"`
	ToStaffMemberID   *uuid.UUID `gorm:"type:uuid"`
	CreatedAt         time.Time
}

// TableName is reservation_history.
func (ReservationHistory) TableName() string { return "reservation_history" }

// Date is a calendar date without a zone (a local date in some IANA zone). It is the GraphQL scalar
// Date ("2026-03-29") and a PostgreSQL date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is t's calendar date in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return DateOf(t), nil
}

// String formats YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// In is the instant the date starts in loc (its first existing wall-clock time).
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays moves by calendar days.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// Weekday of the date.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Weekday()
}

// Before orders dates.
func (d Date) Before(o Date) bool {
	if d.Year != o.Year {
		return d.Year < o.Year
	}
	if d.Month != o.Month {
		return d.Month < o.Month
	}
	return d.Day < o.Day
}

// IsZero reports the zero date.
func (d Date) IsZero() bool { return d == Date{} }

// MarshalGQL writes "YYYY-MM-DD".
func (d Date) MarshalGQL(w io.Writer) { writeEnum(w, d.String()) }

// UnmarshalGQL reads "YYYY-MM-DD".
func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%v is not a date (YYYY-MM-DD)", v)
	}
	parsed, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// Scan reads a PostgreSQL date.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*d = DateOf(v.UTC())
		return nil
	case string:
		p, err := ParseDate(v)
		*d = p
		return err
	case []byte:
		p, err := ParseDate(string(v))
		*d = p
		return err
	}
	return fmt.Errorf("cannot scan %T into Date", src)
}

// Value writes a PostgreSQL date.
func (d Date) Value() (driver.Value, error) { return d.String(), nil }
