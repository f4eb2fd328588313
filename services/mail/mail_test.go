package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/mail"
	"github.com/slotpay/slotpay/services/mail/mailtest"
	"github.com/slotpay/slotpay/services/messages"
)

// An e-mail reaches a real SMTP server (Mailpit) multipart, with its headers, a UTF-8 subject, the
// business as sender with the platform's address when it set none, and its attachment.
func TestSMTPDeliversToMailpit(t *testing.T) {
	pit := mailtest.Start(t)
	cfg := pit.Config()
	cfg.Username, cfg.Password = "user", "secret" // Mailpit accepts any: the AUTH exchange runs
	smtp, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := &messages.Delivery{ID: uuid.New(), Kind: "BOOKING_CONFIRMATION", Channel: messages.Email, Recipient: "jan@example.com",
		RecipientName: "Jan Żółć", FromName: "Salon Łucja", ReplyTo: "kontakt@salon.example",
		Subject: "Rezerwacja potwierdzona: środa, 9 grudnia – strzyżenie", Text: "Dzień dobry,\n\nzapraszamy: https://slotpay.test/b/x",
		HTML:        "<p>Dzień dobry</p>",
		Attachments: []messages.Attachment{{Name: "wizyta.ics", ContentType: "text/calendar; charset=UTF-8", Content: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}}}
	ref, err := smtp.Deliver(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	got := pit.WaitFor(`to:"jan@example.com"`, 1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("%d messages, want 1", len(got))
	}
	msg := pit.Message(got[0].ID)
	if msg.Subject != d.Subject {
		t.Errorf("subject %q, want %q", msg.Subject, d.Subject)
	}
	if msg.From.Address != "no-reply@slotpay.test" || msg.From.Name != "Salon Łucja" {
		t.Errorf("from %+v", msg.From)
	}
	if len(msg.ReplyTo) != 1 || msg.ReplyTo[0].Address != "kontakt@salon.example" {
		t.Errorf("reply-to %+v", msg.ReplyTo)
	}
	if "<"+msg.MessageID+">" != ref || !strings.HasPrefix(msg.MessageID, d.ID.String()+"@slotpay.test") {
		t.Errorf("Message-ID %q, provider ref %q", msg.MessageID, ref)
	}
	if !strings.Contains(msg.Text, "zapraszamy: https://slotpay.test/b/x") || !strings.Contains(msg.HTML, "Dzień dobry") {
		t.Errorf("bodies: text %q html %q", msg.Text, msg.HTML)
	}
	if len(msg.Attachments) != 1 || msg.Attachments[0].FileName != "wizyta.ics" || !strings.HasPrefix(msg.Attachments[0].ContentType, "text/calendar") {
		t.Errorf("attachments %+v", msg.Attachments)
	}
	raw := pit.Raw(got[0].ID)
	for _, h := range []string{"\nDate: ", "\nMessage-ID: <", "multipart/alternative", "multipart/mixed", "=?UTF-8?"} {
		if !strings.Contains(raw, h) {
			t.Errorf("raw message lacks %q:\n%s", h, raw)
		}
	}
}

// A server that is not there is an error to retry (neither permanent nor of unknown outcome).
func TestSMTPUnreachableIsRetried(t *testing.T) {
	smtp, err := mail.NewSMTP(mail.Config{Host: "127.0.0.1", Port: 1, Security: mail.None, From: "a@b.example", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = smtp.Deliver(context.Background(), &messages.Delivery{ID: uuid.New(), Recipient: "x@y.example", Subject: "s", Text: "t"})
	if err == nil || errors.Is(err, messages.ErrPermanent) || errors.Is(err, messages.ErrOutcomeUnknown) {
		t.Fatalf("err %v: want a retryable error", err)
	}
}
