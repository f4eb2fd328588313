package models

import "io"

// Values of the GraphQL types that are plain views of a model's columns. Bound to the schema as
// methods without a context (gqlgen.yml), gqlgen marshals them inline with their parent instead of
// running a resolver goroutine per field per row.

// Money is an amount in minor units with its currency (the GraphQL type Money).
type Money struct {
	Amount   int    `json:"amount"`
	Currency string `json:"currency"`
}

// Price is the reservation's price.
func (r *Reservation) Price() Money { return Money{Amount: int(r.PriceAmount), Currency: r.Currency} }

// Customer is the reservation's customer: its record's id, with the name, e-mail and phone as
// they were typed at booking (the reservation's own snapshot, which editing the record never
// rewrites). The record's other fields are read when asked for (Customer.Snapshot).
func (r *Reservation) Customer() Customer {
	c := Customer{TenantID: r.TenantID, ID: r.CustomerID, Name: r.CustomerName, Email: r.CustomerEmail, Snapshot: true}
	if r.CustomerPhone != "" {
		c.Phone = &r.CustomerPhone
	}
	return c
}

// Price is the service's price.
func (s *Service) Price() Money { return Money{Amount: int(s.PriceAmount), Currency: s.Currency} }

// AmountMoney is the payment's amount as Money (GraphQL Payment.amount).
func (p *Payment) AmountMoney() Money { return Money{Amount: int(p.Amount), Currency: p.Currency} }

// RefundedMoney is how much of the payment was refunded, as Money (GraphQL Payment.refundedAmount).
func (p *Payment) RefundedMoney() Money {
	return Money{Amount: int(p.RefundedAmount), Currency: p.Currency}
}

// Valid reports whether s is one of the payment states.
func (s PaymentState) Valid() bool {
	switch s {
	case PaymentStateCreated, PaymentStateUnknown, PaymentStatePending, PaymentStatePaid, PaymentStateFailed, PaymentStateCancelled,
		PaymentStateSuperseded, PaymentStateDuplicate:
		return true
	}
	return false
}

// MarshalGQL writes the enum value.
func (s PaymentState) MarshalGQL(w io.Writer) { writeEnum(w, string(s)) }

// UnmarshalGQL reads the enum value.
func (s *PaymentState) UnmarshalGQL(v any) error { return readEnum(v, s, "PaymentState") }

// RulesView is a set of cancellation rules with the currency of its fixed fee (GraphQL
// CancellationRules): the business's or a service's.
type RulesView struct {
	CancellationRules
	Currency string
}

// FeePercent is the PERCENT fee's percentage; nil for the other kinds.
func (v RulesView) FeePercent() *int {
	if v.LateCancellationFee != LateFeePercent {
		return nil
	}
	return &v.LateCancellationFeePercent
}

// FeeAmount is the FIXED fee; nil for the other kinds.
func (v RulesView) FeeAmount() *Money {
	if v.LateCancellationFee != LateFeeFixed {
		return nil
	}
	return &Money{Amount: int(v.LateCancellationFeeAmount), Currency: v.Currency}
}

// PhoneOrNull is the customer's phone as GraphQL Customer.phone: null when none was given, never "".
func (c *Customer) PhoneOrNull() *string {
	if c.Phone == nil || *c.Phone == "" {
		return nil
	}
	return c.Phone
}

// PaymentChannel is how a payment is paid (the GraphQL enum PaymentChannel): imoje's channels,
// the same names as services/payments' Channel constants and the payments' channel column.
type PaymentChannel string

// Valid reports whether c is one of the schema's payment channels (graph's
// TestPaymentChannelsAreTheSchemas holds this list to the schema's).
func (c PaymentChannel) Valid() bool {
	switch c {
	case "BLIK", "PBL", "PAY_LATER", "CARD", "CHOOSE":
		return true
	}
	return false
}

// MarshalGQL writes the enum value.
func (c PaymentChannel) MarshalGQL(w io.Writer) { writeEnum(w, string(c)) }

// UnmarshalGQL reads the enum value.
func (c *PaymentChannel) UnmarshalGQL(v any) error { return readEnum(v, c, "PaymentChannel") }

// PaymentChannel is the payment's channel (GraphQL Payment.channel).
func (p *Payment) PaymentChannel() PaymentChannel { return PaymentChannel(p.Channel) }
