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

// Error is a client-visible error. Field names the offending input (e.g. "input.email") for
// BAD_USER_INPUT.
type Error struct {
	Code    Code
	Message string
	Field   string
	// RetryAfter is, for RATE_LIMITED, how long the client must wait before trying again.
	RetryAfter time.Duration
	cause      error
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

// Invalid is a BAD_USER_INPUT error about one field.
func Invalid(field, message string) *Error {
	return &Error{Code: BadUserInput, Message: message, Field: field}
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
