package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/mail/mailtest"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// A booking's confirmation reaches the customer's mailbox once, in the business's language and zone,
// with the manage link carrying the reservation's customer token; the staff are told of it.
func TestBookingConfirmationReachesMailpitOnce(t *testing.T) {
	pit := mailtest.Start(t)
	b := newBookingEnv(t, "mail-confirm", nil, servertest.WithSMTP(pit.SMTPHost, pit.SMTPPort))
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) // 10:00 in Warsaw
	var out struct{ CreateReservation createdReservation }
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(start, "")}, &out)
	got := pit.WaitFor(`to:"jan@example.com"`, 1, 15*time.Second)
	msg := pit.Message(got[0].ID)
	if !strings.HasPrefix(msg.Subject, "Rezerwacja potwierdzona: Haircut, wtorek, 10 marca 2026, 10:00") {
		t.Errorf("subject %q", msg.Subject)
	}
	if !strings.Contains(msg.Text, "/b/mail-confirm/reservation/"+out.CreateReservation.Reservation.ID+"#token=") {
		t.Errorf("no manage link in %q", msg.Text)
	}
	pit.WaitFor(`to:"`+b.owner.Email+`"`, 1, 15*time.Second)
	time.Sleep(300 * time.Millisecond) // a second delivery would have arrived by now
	if n := len(pit.Search(`to:"jan@example.com"`)); n != 1 {
		t.Fatalf("%d e-mails to the customer, want 1", n)
	}
}
