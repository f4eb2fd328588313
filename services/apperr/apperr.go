// Package apperr is the vocabulary of errors the outside world may see. Domains declare their
// sentinels with it (booking.ErrSlotUnavailable = apperr.New(apperr.SlotUnavailable, …)); the edges
// (the GraphQL error presenter, the webhook handler) translate them once. Anything that is not an
// *Error is internal and is never shown to a client.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Code is the value of extensions.code.
type Code string

const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	BadUserInput    Code = "BAD_USER_INPUT"
	Conflict        Code = "CONFLICT"
	SlotUnavailable Code = "SLOT_UNAVAILABLE"
	PaymentFailed   Code = "PAYMENT_PROVIDER_ERROR"
	// RateLimited: too many attempts; RetryAfter says when to try again.
	RateLimited Code = "RATE_LIMITED"
	Internal    Code = "INTERNAL"
)

// Reason is the stable sub-code of an input error (extensions.reason): what is wrong with the
// field, for a client to act on without parsing the message.
type Reason string

const (
	Required      Reason = "REQUIRED"       // missing or blank
	InvalidFormat Reason = "INVALID_FORMAT" // not the expected shape (an e-mail, HH:MM, a slug)
	TooLong       Reason = "TOO_LONG"       // more than Params["max"] characters (or items)
	TooShort      Reason = "TOO_SHORT"      // fewer than Params["min"] characters (or digits)
	OutOfRange    Reason = "OUT_OF_RANGE"   // a number or time outside Params["min"]..Params["max"]
	NotAllowed    Reason = "NOT_ALLOWED"    // a well-formed value that is not one of the accepted ones
	Inconsistent  Reason = "INCONSISTENT"   // contradicts another field (end before start, overlaps)
	// InvalidValue is the reason of an input error that names no finer one.
	InvalidValue Reason = "INVALID_VALUE"
)

// Reasons lists every reason, for the message catalogue's completeness test.
var Reasons = []Reason{Required, InvalidFormat, TooLong, TooShort, OutOfRange, NotAllowed, Inconsistent, InvalidValue}

// Error is a client-visible error. Field names the offending input for BAD_USER_INPUT, as a path
// in the domain's own terms ("customer.email"): the edge places it in its protocol (GraphQL adds
// the argument, "input.customer.email"). Reason is its sub-code; Params are the numbers a
// translated message needs ("max": 200).
type Error struct {
	Code    Code
	Message string
	Field   string
	Reason  Reason
	Params  map[string]int
	// RetryAfter is, for RATE_LIMITED, how long the client must wait before trying again.
	RetryAfter time.Duration
	// Details are further facts a client may act on, sent as extensions beside the code (e.g.
	// "bookingField": the key of the custom booking field an answer is for).
	Details map[string]string
	cause   error
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap exposes the cause for logging; clients see only Message.
func (e *Error) Unwrap() error { return e.cause }

// Is makes sentinels comparable by code and message, so a field-specific copy still matches.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == e.Message
}

// New declares a sentinel or a one-off error.
func New(code Code, message string) *Error { return &Error{Code: code, Message: message} }

// Invalid is a BAD_USER_INPUT error about one field, without a finer reason.
func Invalid(field, message string) *Error {
	return &Error{Code: BadUserInput, Message: message, Field: field, Reason: InvalidValue}
}

// Input is a BAD_USER_INPUT error about one field, with its reason; message is the English text.
func Input(field string, reason Reason, message string) *Error {
	return &Error{Code: BadUserInput, Message: message, Field: field, Reason: reason}
}

// With returns a copy of e carrying a parameter of its message (e.g. "max", 200).
func (e *Error) With(name string, value int) *Error {
	c := *e
	c.Params = make(map[string]int, len(e.Params)+1)
	for k, v := range e.Params {
		c.Params[k] = v
	}
	c.Params[name] = value
	return &c
}

// WithDetail returns a copy of e carrying a detail (an extension of its own, e.g. "bookingField").
func (e *Error) WithDetail(name, value string) *Error {
	c := *e
	c.Details = make(map[string]string, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[name] = value
	return &c
}

// WithReason returns a copy of e with the sub-code reason.
func (e *Error) WithReason(reason Reason) *Error {
	c := *e
	c.Reason = reason
	return &c
}

// WithField returns a copy of e naming the input field.
func (e *Error) WithField(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// WithRetryAfter returns a copy of e telling the client to wait d.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// Wrap returns a copy of e that keeps cause for the logs.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// As finds the client-visible error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Common sentinels.
var (
	ErrUnauthenticated = New(Unauthenticated, "authentication required")
	ErrForbidden       = New(Forbidden, "not allowed")
	ErrNotFound        = New(NotFound, "not found")
)

// NotFoundf names what was not found.
func NotFoundf(format string, args ...any) *Error {
	return New(NotFound, fmt.Sprintf(format, args...))
}

// Op adds the operation's name to an unexpected error, for the logs (`op: cause`); client-visible
// errors pass unchanged, so their message stays what the client should read.
func Op(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := As(err); ok {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
