package sms

import "github.com/slotpay/slotpay/services/messages"

// The built-in SMS texts, in Polish and English: short (one GSM-7 part for a typical business,
// service and date once transliterated), without the manage link — a customer token makes it some
// 300 characters, two parts on its own; the e-mail of the same message carries it. A business may
// replace them like its e-mails (services/messages SetTemplate). Registering a kind on the SMS
// channel is what makes the outbox record an SMS beside the e-mail (to the customer's E.164 phone).
var smsTexts = []struct {
	kind   messages.Kind
	pl, en string
}{
	{messages.BookingConfirmation,
		"{businessName}: potwierdzamy wizytę {startsAt}, {serviceName}. Szczegóły i odwołanie w e-mailu.",
		"{businessName}: your visit on {startsAt}, {serviceName}, is confirmed. Details and cancelling in the e-mail."},
	{messages.Reminder,
		"{businessName}: przypominamy o wizycie {startsAt}, {serviceName}. Nie możesz przyjść? Odwołaj przez link z e-maila.",
		"{businessName}: a reminder of your visit on {startsAt}, {serviceName}. Cannot come? Cancel with the link in the e-mail."},
	{messages.Rescheduled,
		"{businessName}: nowy termin wizyty: {startsAt}, {serviceName}.",
		"{businessName}: your visit has moved to {startsAt}, {serviceName}."},
	{messages.Cancellation,
		"{businessName}: wizyta {startsAt}, {serviceName}, została odwołana.",
		"{businessName}: your visit on {startsAt}, {serviceName}, is cancelled."},
}

func init() {
	for _, t := range smsTexts {
		tmpl := messages.Template{Kind: t.kind, Channel: messages.SMS, Reservation: true,
			Body: map[string]string{"pl": t.pl, "en": t.en}}
		// The e-mail's own rule of whether the message is still wanted (a reminder of a visit
		// cancelled or moved is not) holds for its SMS too.
		if email, ok := messages.Lookup(t.kind, messages.Email); ok {
			tmpl.Wanted = email.Wanted
		}
		messages.Register(tmpl)
	}
}
