package sms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slotpay/slotpay/services/messages"
)

// Channel is the outbox's SMS channel (services/messages): it sends a business's rendered texts
// through its SMSAPI account (Prepare), defers them past quiet hours (NotBefore), skips customers
// who opted out, numbers that are not E.164 and businesses with SMS off (messages.ErrNotWanted:
// SKIPPED in the delivery log), and sorts the provider's refusals into retried and permanent
// (messages.ErrPermanent: DEAD at once). A lost answer is retried like any other failure: the
// message's id goes to SMSAPI as idx with check_idx=1, so a message that did go out is refused as
// a duplicate the second time, never sent twice.
type Channel struct {
	SMS *Service
}

var (
	_ messages.Channel  = Channel{}
	_ messages.Deferrer = Channel{}
)

// Name is the SMS channel.
func (Channel) Name() messages.ChannelName { return messages.SMS }

// NotBefore is when d may go out: the end of quiet hours in the business's zone, unless its visit
// comes first.
func (c Channel) NotBefore(ctx context.Context, d *messages.Delivery, _ time.Time) (time.Time, error) {
	out, err := c.prepare(ctx, d)
	if err != nil {
		return time.Time{}, err
	}
	return out.SendAt, nil
}

// Deliver sends d; the provider reference is SMSAPI's message id, its parts and encoding
// ("5A1B…; 2 parts, UCS-2"), which the delivery log shows.
func (c Channel) Deliver(ctx context.Context, d *messages.Delivery) (string, error) {
	out, err := c.prepare(ctx, d)
	if err != nil {
		return "", err
	}
	r, err := out.Provider.Send(ctx, out.Message)
	if err != nil {
		if e, ok := AsError(err); ok && !e.Retryable {
			return "", fmt.Errorf("%w: %w", messages.ErrPermanent, err)
		}
		return "", err
	}
	if r.Duplicate {
		return fmt.Sprintf("accepted by an earlier attempt (SMSAPI idx %s); %d part(s), %s", out.Message.Key, out.Segments.Parts, out.Segments.Encoding), nil
	}
	parts := r.Parts
	if parts == 0 {
		parts = out.Segments.Parts
	}
	return fmt.Sprintf("%s; %d part(s), %s", r.ProviderID, parts, out.Segments.Encoding), nil
}

func (c Channel) prepare(ctx context.Context, d *messages.Delivery) (*Outgoing, error) {
	to := Recipient{Phone: d.Recipient}
	if d.ReservationID != nil && d.Audience == messages.Customer {
		to.ReservationID = *d.ReservationID
	}
	out, err := c.SMS.Prepare(ctx, d.TenantID, to, d.Text, d.ID.String(), time.Time{})
	if errors.Is(err, ErrNotSending) || errors.Is(err, ErrOptedOut) || errors.Is(err, ErrNoPhone) {
		return nil, fmt.Errorf("%w: %w", messages.ErrNotWanted, err)
	}
	return out, err
}
