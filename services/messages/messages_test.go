package messages

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	st := func(s models.ReservationStatus) *models.ReservationStatus { return &s }
	pay := func(s models.PaymentStatus) *models.PaymentStatus { return &s }
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	staff := uuid.New().String()
	cases := []struct {
		name string
		h    models.ReservationHistory
		want Plan
	}{
		{"public booking confirmed", models.ReservationHistory{ToStatus: models.StatusConfirmed, ToPaymentStatus: models.PaymentNotRequired, Actor: "customer"},
			Plan{Intents: []Intent{{BookingConfirmation, Customer}, {Reminder, Customer}, {StaffNewBooking, Staff}}}},
		{"staff booking confirmed: no staff notice", models.ReservationHistory{ToStatus: models.StatusConfirmed, Actor: staff},
			Plan{Intents: []Intent{{BookingConfirmation, Customer}, {Reminder, Customer}}}},
		{"prepaid booking: payment request", models.ReservationHistory{ToStatus: models.StatusPendingPayment, ToPaymentStatus: models.PaymentUnpaid, Actor: "customer"},
			Plan{Intents: []Intent{{PaymentRequest, Customer}, {StaffNewBooking, Staff}}}},
		{"request", models.ReservationHistory{ToStatus: models.StatusRequested, Actor: "customer"},
			Plan{Intents: []Intent{{ApprovalRequested, Customer}, {StaffNewBooking, Staff}}}},
		{"hold paid: confirmation, receipt, reminders", models.ReservationHistory{FromStatus: st(models.StatusPendingPayment), ToStatus: models.StatusConfirmed,
			FromPaymentStatus: pay(models.PaymentPending), ToPaymentStatus: models.PaymentPaid, Actor: "system"},
			Plan{Intents: []Intent{{BookingConfirmation, Customer}, {Reminder, Customer}, {PaymentReceived, Customer}}}},
		{"deposit paid", models.ReservationHistory{FromStatus: st(models.StatusPendingPayment), ToStatus: models.StatusConfirmed,
			FromPaymentStatus: pay(models.PaymentPending), ToPaymentStatus: models.PaymentPartiallyPaid, Actor: "system"},
			Plan{Intents: []Intent{{BookingConfirmation, Customer}, {Reminder, Customer}, {PaymentReceived, Customer}}}},
		{"balance paid on a confirmed visit: receipt only", models.ReservationHistory{FromStatus: st(models.StatusConfirmed), ToStatus: models.StatusConfirmed,
			FromPaymentStatus: pay(models.PaymentPartiallyPaid), ToPaymentStatus: models.PaymentPaid, Actor: "system"},
			Plan{Intents: []Intent{{PaymentReceived, Customer}}}},
		{"refund of a paid visit is no receipt", models.ReservationHistory{FromStatus: st(models.StatusConfirmed), ToStatus: models.StatusConfirmed,
			FromPaymentStatus: pay(models.PaymentPaid), ToPaymentStatus: models.PaymentPartiallyRefunded, Actor: "system"},
			Plan{}},
		{"payment failed", models.ReservationHistory{FromStatus: st(models.StatusPendingPayment), ToStatus: models.StatusPendingPayment,
			FromPaymentStatus: pay(models.PaymentPending), ToPaymentStatus: models.PaymentFailed, Actor: "system"},
			Plan{Intents: []Intent{{StaffPaymentFailed, Staff}}}},
		{"customer cancels", models.ReservationHistory{FromStatus: st(models.StatusConfirmed), ToStatus: models.StatusCancelled, Actor: "customer"},
			Plan{Intents: []Intent{{Cancellation, Customer}, {StaffCancellation, Staff}}, CancelReminders: true}},
		{"staff cancel", models.ReservationHistory{FromStatus: st(models.StatusConfirmed), ToStatus: models.StatusCancelled, Actor: staff},
			Plan{Intents: []Intent{{Cancellation, Customer}}, CancelReminders: true}},
		{"approved", models.ReservationHistory{FromStatus: st(models.StatusRequested), ToStatus: models.StatusConfirmed, Actor: staff},
			Plan{Intents: []Intent{{ApprovalApproved, Customer}, {Reminder, Customer}}}},
		{"approved, to pay", models.ReservationHistory{FromStatus: st(models.StatusRequested), ToStatus: models.StatusPendingPayment, Actor: staff},
			Plan{Intents: []Intent{{ApprovalApproved, Customer}, {PaymentRequest, Customer}}}},
		{"declined", models.ReservationHistory{FromStatus: st(models.StatusRequested), ToStatus: models.StatusDeclined, Actor: "system"},
			Plan{Intents: []Intent{{ApprovalDeclined, Customer}}, CancelReminders: true}},
		{"moved", models.ReservationHistory{FromStatus: st(models.StatusConfirmed), ToStatus: models.StatusConfirmed, FromStartsAt: &at, Actor: staff},
			Plan{Intents: []Intent{{Rescheduled, Customer}, {Reminder, Customer}}, CancelReminders: true}},
		{"moved hold: no reminders yet", models.ReservationHistory{FromStatus: st(models.StatusPendingPayment), ToStatus: models.StatusPendingPayment, FromStartsAt: &at, Actor: "customer"},
			Plan{Intents: []Intent{{Rescheduled, Customer}}, CancelReminders: true}},
		{"completed: nothing", models.ReservationHistory{FromStatus: st(models.StatusConfirmed), ToStatus: models.StatusCompleted, Actor: staff}, Plan{}},
		{"no-show", models.ReservationHistory{FromStatus: st(models.StatusConfirmed), ToStatus: models.StatusNoShow, Actor: staff}, Plan{CancelReminders: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.h.FromStatus != nil && c.h.FromPaymentStatus == nil {
				c.h.FromPaymentStatus = &c.h.ToPaymentStatus
			}
			if got := Decide(c.h); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Decide = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestRenderAndPlaceholders(t *testing.T) {
	t.Parallel()
	out := Render(Wording{Subject: "Hi {customerName}\n, {unknown}", Body: "Visit <b>{serviceName}</b>: {manageLink}\n\nBye"},
		Facts{"customerName": "Jan", "serviceName": "Cut & dye", "manageLink": "https://x.example/b/s?a=1&b=2"})
	if out.Subject != "Hi Jan ," {
		t.Errorf("subject %q", out.Subject)
	}
	if out.Text != "Visit <b>Cut & dye</b>: https://x.example/b/s?a=1&b=2\n\nBye" {
		t.Errorf("text %q", out.Text)
	}
	if !strings.Contains(out.HTML, `<p>Visit &lt;b&gt;Cut &amp; dye&lt;/b&gt;: <a href="https://x.example/b/s?a=1&amp;b=2">https://x.example/b/s?a=1&amp;b=2</a></p><p>Bye</p>`) {
		t.Errorf("html %q", out.HTML)
	}
	if bad := unknownPlaceholders("{a} {b} {a} {notOk} {} {1x}", []string{"a", "b"}); !reflect.DeepEqual(bad, []string{"notOk"}) {
		t.Errorf("unknown placeholders %v", bad)
	}
}

func TestEveryBuiltInTemplateHasBothLanguages(t *testing.T) {
	t.Parallel()
	kinds := []Kind{BookingConfirmation, PaymentRequest, PaymentReceived, Reminder, Rescheduled, Cancellation, ApprovalRequested,
		ApprovalApproved, ApprovalDeclined, StaffNewBooking, StaffCancellation, StaffPaymentFailed, ImojeNotificationsSilent}
	for _, k := range kinds {
		tmpl, ok := Lookup(k, Email)
		if !ok {
			t.Errorf("no e-mail template of %s", k)
			continue
		}
		for _, loc := range []string{"pl", "en"} {
			r := Render(Wording{Subject: tmpl.Subject[loc], Body: tmpl.Body[loc]}, sampleFacts(loc, time.Now()))
			if r.Subject == "" || r.Text == "" || strings.Contains(r.Text, "{") {
				t.Errorf("%s (%s) renders %+v", k, loc, r)
			}
		}
	}
}

func TestValidateTemplate(t *testing.T) {
	t.Parallel()
	_, err := validateTemplate(TemplateInput{Kind: Reminder, Channel: Email, Locale: "pl", Subject: "Za {godzina}", Body: "{customerName}, {refundAmount}"})
	if err == nil || !strings.Contains(err.Error(), "{godzina}") || !strings.Contains(err.Error(), "{refundAmount}") {
		t.Fatalf("err %v", err)
	}
	if _, err := validateTemplate(TemplateInput{Kind: Cancellation, Channel: Email, Locale: "en", Body: "Refund {refundAmount} for {serviceName}"}); err != nil {
		t.Fatal(err)
	}
	if _, err := validateTemplate(TemplateInput{Kind: "NOPE", Channel: Email, Locale: "de", Body: "x"}); err == nil ||
		!strings.Contains(err.Error(), "NOPE") || !strings.Contains(err.Error(), "pl or en") {
		t.Fatalf("err %v", err)
	}
}

func TestFormatting(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		amount   int64
		cur, loc string
		want     string
	}{
		{12000, "PLN", "pl", "120,00\u00a0zł"},
		{123456, "PLN", "pl", "1234,56\u00a0zł"},
		{1234567, "PLN", "pl", "12\u00a0345,67\u00a0zł"},
		{1234567, "PLN", "en", "PLN\u00a012,345.67"},
		{5, "EUR", "pl", "0,05\u00a0EUR"},
		{1500, "JPY", "en", "JPY\u00a01,500"},
	} {
		if got := FormatMoney(c.amount, c.cur, c.loc); got != c.want {
			t.Errorf("FormatMoney(%d, %s, %s) = %q, want %q", c.amount, c.cur, c.loc, got, c.want)
		}
	}
	warsaw, _ := time.LoadLocation("Europe/Warsaw")
	// 29 March 2026: Poland moves to summer time; 08:00 UTC is 10:00 local.
	if got := FormatTime(time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC), warsaw, "pl"); got != "niedziela, 29 marca 2026, 10:00" {
		t.Errorf("pl time %q", got)
	}
	if got := FormatTime(time.Date(2026, 3, 28, 8, 0, 0, 0, time.UTC), warsaw, "en"); got != "Saturday, 28 March 2026, 09:00" {
		t.Errorf("en time %q", got)
	}
}

func TestMaskRecipientLocaleAndBackoff(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"jan.kowalski@example.com": "j***@example.com", "+48600100200": "+48******200", "123": "***"} {
		if got := MaskRecipient(in); got != want {
			t.Errorf("MaskRecipient(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range [][3]string{{"en-GB", "pl", "en"}, {"", "en", "en"}, {"de", "pl-PL", "pl"}, {"", "", "pl"}, {"pl", "en", "pl"}} {
		if got := Locale(c[0], c[1]); got != c[2] {
			t.Errorf("Locale(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
	for n, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 20: 6 * time.Hour} {
		if got := retryDelay(30*time.Second, n); got != want {
			t.Errorf("retryDelay(30s, %d) = %s, want %s", n, got, want)
		}
	}
}
