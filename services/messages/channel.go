package messages

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Channel delivers rendered messages of one ChannelName (services/mail for EMAIL; the SMS channel
// for SMS). Deliver is called at most once per attempt, after the message was marked SENDING in a
// committed statement; its error decides what happens next:
//
//   - nil: SENT, with providerRef (the provider's id) in the log;
//   - an error wrapping ErrOutcomeUnknown (a timeout after the provider may have accepted it):
//     UNKNOWN, never retried by itself;
//   - an error wrapping ErrPermanent (the provider refused the recipient or the content): DEAD at
//     once;
//   - an error wrapping ErrNotWanted (the recipient opted out, the business turned the channel
//     off): SKIPPED, with the error as the reason;
//   - any other error: FAILED, retried with backoff, DEAD after the last attempt.
type Channel interface {
	Name() ChannelName
	Deliver(ctx context.Context, d *Delivery) (providerRef string, err error)
}

// Deferrer is a Channel that may postpone a delivery (SMS quiet hours): NotBefore returns the
// earliest moment d may go out; a moment after now puts the message back in the queue until then
// (status QUEUED, scheduled_at moved), without an attempt. The zero time means now.
type Deferrer interface {
	NotBefore(ctx context.Context, d *Delivery, now time.Time) (time.Time, error)
}

// ErrOutcomeUnknown marks a Deliver error after which the message may or may not have gone out.
var ErrOutcomeUnknown = errors.New("delivery outcome unknown")

// ErrPermanent marks a Deliver error that retrying cannot fix.
var ErrPermanent = errors.New("delivery refused permanently")

// ErrNotWanted marks a Deliver (or NotBefore) error saying the message is not to be sent at all.
var ErrNotWanted = errors.New("message not wanted")

// Delivery is one rendered message handed to a channel.
type Delivery struct {
	ID            uuid.UUID
	TenantID      uuid.UUID
	Kind          Kind
	Channel       ChannelName
	Audience      Audience
	Recipient     string // an e-mail address (EMAIL), a phone number in E.164 (SMS)
	RecipientName string
	Locale        string
	ReservationID *uuid.UUID
	PaymentID     *uuid.UUID
	Attempt       int

	// From is the sender (EMAIL: the business's address, else the platform's; the channel fills an
	// empty one with its default). FromName is the business's name unless it set another.
	From, FromName string
	// ReplyTo is the business's contact address, when it has one.
	ReplyTo string

	Subject string // EMAIL only
	Text    string // the plain text (the SMS's whole text)
	HTML    string // EMAIL only: the HTML alternative of Text

	Attachments []Attachment

	// Facts are what the message was rendered from (the template's placeholders' values), for
	// attachment builders and channels that need more than the text.
	Facts Facts
}

// Attachment is a file sent with an e-mail (a calendar event: ContentType "text/calendar;
// method=REQUEST; charset=UTF-8", Name "visit.ics").
type Attachment struct {
	Name        string
	ContentType string
	Content     []byte
	// Inline sends it as an alternative part of the body rather than as a download (calendar
	// invitations that mail clients show as an event); mail may ignore it.
	Inline bool
}
