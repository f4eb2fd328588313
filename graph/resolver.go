// Package graph is slotpay's GraphQL edge: schema files, generated code, thin resolvers that read the
// principal, call one service method and convert the result.
package graph

import (
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/bookingfields"
	"github.com/slotpay/slotpay/services/calendar"
	"github.com/slotpay/slotpay/services/customers"
	"github.com/slotpay/slotpay/services/events"
	"github.com/slotpay/slotpay/services/messages"
	"github.com/slotpay/slotpay/services/mybookings"
	"github.com/slotpay/slotpay/services/node"
	"github.com/slotpay/slotpay/services/payments"
	"github.com/slotpay/slotpay/services/sms"
	"github.com/slotpay/slotpay/services/tenancy"
)

// Resolver holds the services the resolvers call.
type Resolver struct {
	Tenancy  *tenancy.Service
	Booking  *booking.Service
	Payments *payments.Service
	// Nodes resolves global ids (node, nodes).
	Nodes *node.Registry
	// CustomerRecords are the businesses' customers; BookingForms their booking forms' own questions.
	CustomerRecords *customers.Service
	BookingForms    *bookingfields.Service
	// Events is this instance's event broker, which subscriptions subscribe to.
	Events *events.Broker
	// Messages is the outbox: the delivery log, resends, templates and message settings.
	Messages *messages.Service
	// SMS holds businesses' text-message settings and customers' opt-outs.
	SMS *sms.Service
	// Calendar writes calendar files and manages feeds; MyBookings the "my bookings" links.
	Calendar   *calendar.Service
	MyBookings *mybookings.Service
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// textOrNull is s, or null when s is empty: where the schema says a text is null when not given,
// the domain's empty string (or a nil or empty pointer: textOrNull(deref(p))) means absent.
func textOrNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// pointers adapts a slice of values to the []*T gqlgen expects for lists.
func pointers[T any](in []T) []*T {
	out := make([]*T, len(in))
	for i := range in {
		out[i] = &in[i]
	}
	return out
}
