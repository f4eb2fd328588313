package calendar

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/messages"
)

// The customer's e-mails about a visit carry its calendar file: a confirmation, an acceptance and a
// reschedule METHOD:REQUEST (a mail client adds the event, or moves it: same UID, higher
// SEQUENCE), a cancellation and a decline METHOD:CANCEL with STATUS:CANCELLED (the client removes
// it). A business without a contact e-mail has no ORGANIZER to put in an iTIP request, so its
// files are METHOD:PUBLISH (clients offer to import them).
var attachedTo = []messages.Kind{messages.BookingConfirmation, messages.ApprovalApproved, messages.Rescheduled,
	messages.Cancellation, messages.ApprovalDeclined}

func init() {
	for _, k := range attachedTo {
		messages.RegisterAttachments(k, attachment)
	}
}

type ctxKey struct{}

// WithService gives the work started from ctx (the outbox's deliveries) this calendar service:
// the attachment builders are registered once per process, the service is each server's own.
func WithService(ctx context.Context, s *Service) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// attachment is the calendar file of a customer's e-mail about a reservation.
func attachment(ctx context.Context, d *messages.Delivery) ([]messages.Attachment, error) {
	if d.Audience != messages.Customer || d.Channel != messages.Email || d.ReservationID == nil {
		return nil, nil
	}
	s, _ := ctx.Value(ctxKey{}).(*Service)
	if s == nil {
		return nil, errors.New("calendar: no calendar service in the delivery's context")
	}
	body, method, err := s.file(ctx, d.TenantID, *d.ReservationID, FileOptions{View: ForCustomer, Method: MethodRequest,
		ManageURL: d.Facts["manageLink"]})
	if err != nil {
		return nil, err
	}
	return []messages.Attachment{{Name: AttachmentName(*d.ReservationID), ContentType: "text/calendar; method=" + string(method) + "; charset=UTF-8",
		Content: body}}, nil
}

// AttachmentName is the file name of a visit's calendar file in an e-mail.
func AttachmentName(uuid.UUID) string { return "visit.ics" }
