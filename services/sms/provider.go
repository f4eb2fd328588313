package sms

import (
	"context"
	"errors"
	"fmt"
)

// Message is one text message to send.
type Message struct {
	// To is the recipient in E.164 ("+48600100200").
	To string
	// Text is the message as it is to arrive (already transliterated when the business chose so).
	Text string
	// From is the sender name; "" lets the provider use the account's default.
	From string
	// Key identifies the message for the provider's duplicate check (the outbox message's id): a
	// second Send with the same key after a lost answer is refused as a duplicate, never sent twice.
	Key string
}

// Receipt is the provider's answer to a message it accepted.
type Receipt struct {
	// ProviderID is the provider's id of the message (for delivery reports); "" for a duplicate.
	ProviderID string
	// Parts is how many parts the provider says it sends (and bills).
	Parts int
	// Status is the provider's status of the message on acceptance (SMSAPI: QUEUE).
	Status string
	// Duplicate: the provider had already accepted a message with this Key; nothing was sent now.
	Duplicate bool
}

// Provider sends text messages. Implementations are safe for concurrent use.
type Provider interface {
	Send(ctx context.Context, m Message) (Receipt, error)
}

// Kind tells what a provider's refusal is about, for who must act on it.
type Kind string

const (
	// KindUnavailable: the provider could not take the message now (its system error, overload, a
	// network failure, a timeout). Retried.
	KindUnavailable Kind = "UNAVAILABLE"
	// KindCredentials: the token was refused (the business must enter a new one).
	KindCredentials Kind = "CREDENTIALS"
	// KindAccount: the account cannot send (no points left, service off, IP filter).
	KindAccount Kind = "ACCOUNT"
	// KindSender: the sender name is not accepted (not registered or not approved in the panel).
	KindSender Kind = "SENDER"
	// KindRecipient: the number cannot receive it (invalid, landline, on the account's blacklist).
	KindRecipient Kind = "RECIPIENT"
	// KindMessage: the text itself was refused (too long, empty).
	KindMessage Kind = "MESSAGE"
	// KindRejected: any other refusal.
	KindRejected Kind = "REJECTED"
)

// Error is a provider's refusal. Retryable says whether sending the same message again later may
// succeed; a permanent error must not be retried (the message is dead-lettered at once).
type Error struct {
	Kind      Kind
	Retryable bool
	// Code is the provider's own error code ("13"), or the HTTP status ("HTTP 503"), or "" for a
	// network failure.
	Code string
	// Message is the provider's explanation (never containing the token).
	Message string
	cause   error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Code != "" {
		msg = e.Code + ": " + msg
	}
	if e.Retryable {
		return fmt.Sprintf("sms provider %s (retryable): %s", e.Kind, msg)
	}
	return fmt.Sprintf("sms provider %s: %s", e.Kind, msg)
}

func (e *Error) Unwrap() error { return e.cause }

// AsError finds a provider's Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsRetryable reports whether err is worth retrying: a provider's retryable Error, or an error
// that is not a provider's answer at all (a cancelled context is not retryable).
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if e, ok := AsError(err); ok {
		return e.Retryable
	}
	return true
}
