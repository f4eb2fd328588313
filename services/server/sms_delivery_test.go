package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/smsapisim"
)

// smsEnv is a booking env whose business sends SMS through the development stand-in, with a fast
// outbox (relay every 20 ms, retries after 50 ms) and at most attempts tries per message.
func smsEnv(t *testing.T, slug string, attempts int) *bookingEnv {
	t.Helper()
	b := newBookingEnv(t, slug, nil, func(_ *config.Config, o *server.Options) {
		o.MessagePollInterval, o.MessageRetryBase, o.MessageMaxAttempts = 20*time.Millisecond, 50*time.Millisecond, attempts
	})
	b.Must(b.owner.AccessToken, `mutation { updateSmsSettings(input: {enabled: true, senderName: "SalonAnna"}) { sending } }`, nil, nil)
	return b
}

type smsRow struct {
	Status, Recipient, Kind string
	Attempts                int
	LastError, ProviderRef  *string
	ScheduledAt             time.Time
}

// waitSMS waits until the business's SMS of kind is in one of statuses, and returns it.
func (b *bookingEnv) waitSMS(t *testing.T, kind string, statuses ...string) smsRow {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, err := b.readSMS(kind)
		if err == nil && r.Status != "" {
			for _, s := range statuses {
				if r.Status == s {
					return r
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("SMS %s never reached %v (now %+v, err %v)", kind, statuses, r, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *bookingEnv) smsRow(t *testing.T, kind string) smsRow {
	t.Helper()
	r, err := b.readSMS(kind)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// readSMS reads the delivery log's SMS of kind (as the database owner: the log is the messages
// table).
func (b *bookingEnv) readSMS(kind string) (smsRow, error) {
	var r smsRow
	owner, err := b.DB.Owner()
	if err != nil {
		return r, err
	}
	err = owner.QueryRow(context.Background(), `SELECT status, recipient, kind, attempts, last_error, provider_ref, scheduled_at FROM messages
		WHERE tenant_id = $1 AND channel = 'SMS' AND kind = $2`, b.owner.TenantID, kind).
		Scan(&r.Status, &r.Recipient, &r.Kind, &r.Attempts, &r.LastError, &r.ProviderRef, &r.ScheduledAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = nil
	}
	return r, err
}

// A booking's confirmation goes by SMS too: once, to the customer's E.164 number, from the
// business's sender, transliterated, and the delivery log has SMSAPI's id and the parts.
func TestBookingConfirmationSMSReachesTheStandIn(t *testing.T) {
	t.Parallel()
	b := smsEnv(t, "sms-confirm", 0)
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) // 10:00 in Warsaw
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(start, "")}, nil)
	row := b.waitSMS(t, "BOOKING_CONFIRMATION", "SENT")
	got := b.Server.SMSAPI.Messages()
	if len(got) != 1 {
		t.Fatalf("%d SMS at the stand-in; want 1", len(got))
	}
	m := got[0]
	if m.Number != "48600100200" || m.From != "SalonAnna" || m.Encoding != "GSM-7" || m.Parts != 1 ||
		!strings.Contains(m.Text, "wtorek, 10 marca 2026, 10:00") || !strings.Contains(m.Text, "Haircut") {
		t.Fatalf("SMS %+v", m)
	}
	if row.Attempts != 1 || row.ProviderRef == nil || !strings.HasPrefix(*row.ProviderRef, m.ID+"; 1 part(s), GSM-7") || row.Recipient != "+48600100200" {
		t.Fatalf("delivery log %+v (ref %v)", row, deref(row.ProviderRef))
	}
	time.Sleep(200 * time.Millisecond) // a second delivery would have arrived by now
	if n := len(b.Server.SMSAPI.Messages()); n != 1 {
		t.Fatalf("%d SMS; want exactly 1", n)
	}
	// The reminder goes by SMS at its offset (24 h before: 10:00 in Warsaw the day before).
	if row := b.smsRow(t, "REMINDER"); row.Status != "QUEUED" || !row.ScheduledAt.Equal(start.Add(-24*time.Hour)) {
		t.Fatalf("reminder %+v", row)
	}
	b.clock.Set(start.Add(-24 * time.Hour))
	b.waitSMS(t, "REMINDER", "SENT")
	if got := b.Server.SMSAPI.Messages(); len(got) != 2 || !strings.Contains(got[1].Text, "przypominamy") {
		t.Fatalf("reminder SMS %+v", got)
	}
}

// SMSAPI's system error is retried with backoff, then the message is dead-lettered, with the
// attempts and SMSAPI's error in the delivery log; a permanent refusal (the sender name) is dead at
// once, without a retry.
func TestSMSProviderErrorsRetriedThenDeadLettered(t *testing.T) {
	t.Parallel()
	b := smsEnv(t, "sms-dead", 3)
	b.Server.SMSAPI.Fail(smsapisim.Fault{Count: 100, Error: 201})
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(start, "")}, nil)
	row := b.waitSMS(t, "BOOKING_CONFIRMATION", "DEAD")
	if row.Attempts != 3 || row.LastError == nil || !strings.Contains(*row.LastError, "201") || !strings.Contains(*row.LastError, "retryable") {
		t.Fatalf("dead letter %+v (%s)", row, deref(row.LastError))
	}
	if n := b.Server.SMSAPI.Requests(); n != 3 {
		t.Fatalf("%d requests to SMSAPI; want 3 (one per attempt)", n)
	}
	if len(b.Server.SMSAPI.Messages()) != 0 {
		t.Fatal("a message went out")
	}
	// The staff's delivery log shows it: masked number, DEAD, the attempts and SMSAPI's error.
	var log struct {
		MessageDeliveries struct {
			Edges []struct {
				Node struct {
					Recipient, Status, Kind string
					Attempts                int
					LastError               *string
				}
			}
		}
	}
	b.Must(b.owner.AccessToken, `{ messageDeliveries(filter: {channels: [SMS], kinds: ["BOOKING_CONFIRMATION"]}) { edges { node { recipient status kind attempts lastError } } } }`, nil, &log)
	if e := log.MessageDeliveries.Edges; len(e) != 1 || e[0].Node.Recipient != "+48******200" || e[0].Node.Status != "DEAD" ||
		e[0].Node.Attempts != 3 || !strings.Contains(deref(e[0].Node.LastError), "201") {
		t.Fatalf("delivery log %+v", e)
	}
}

func TestSMSPermanentRefusalIsDeadAtOnce(t *testing.T) {
	t.Parallel()
	b := smsEnv(t, "sms-perm", 5)
	b.Server.SMSAPI.Fail(smsapisim.Fault{Count: 100, Error: 14})
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), "")}, nil)
	row := b.waitSMS(t, "BOOKING_CONFIRMATION", "DEAD")
	if row.Attempts != 1 || !strings.Contains(deref(row.LastError), "SENDER") || b.Server.SMSAPI.Requests() != 1 {
		t.Fatalf("permanent refusal %+v (%s), %d requests", row, deref(row.LastError), b.Server.SMSAPI.Requests())
	}
}

// Quiet hours: a booking made at 22:30 in Warsaw for the next day sends its e-mail at once and its
// SMS at 08:00; a visit before 08:00 would not wait.
func TestSMSWaitsForTheEndOfQuietHours(t *testing.T) {
	t.Parallel()
	b := smsEnv(t, "sms-quiet", 0)
	b.clock.Set(time.Date(2026, 3, 9, 21, 30, 0, 0, time.UTC)) // 22:30 in Warsaw
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC), "")}, nil)
	morning := time.Date(2026, 3, 10, 7, 0, 0, 0, time.UTC) // 08:00 in Warsaw (CET)
	deadline := time.Now().Add(10 * time.Second)
	for b.smsRow(t, "BOOKING_CONFIRMATION").ScheduledAt.UTC() != morning {
		if time.Now().After(deadline) {
			t.Fatalf("not deferred to 08:00: %+v", b.smsRow(t, "BOOKING_CONFIRMATION"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if row := b.smsRow(t, "BOOKING_CONFIRMATION"); row.Status != "QUEUED" || row.Attempts != 0 || len(b.Server.SMSAPI.Messages()) != 0 {
		t.Fatalf("sent in the night: %+v", row)
	}
	b.clock.Set(morning)
	b.waitSMS(t, "BOOKING_CONFIRMATION", "SENT")
	if n := len(b.Server.SMSAPI.Messages()); n != 1 {
		t.Fatalf("%d SMS in the morning", n)
	}
}

// An opted-out customer gets no SMS (SKIPPED in the log, nothing at SMSAPI), the e-mail still goes;
// and a business with SMS off sends none either.
func TestOptedOutCustomerGetsNoSMS(t *testing.T) {
	t.Parallel()
	b := smsEnv(t, "sms-optout-deliver", 0)
	id, _, token := b.bookAs(t, time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), "Jan", "jan@example.com", "600 100 200")
	b.waitSMS(t, "BOOKING_CONFIRMATION", "SENT")
	b.Must(token, `mutation { setMySmsOptOut(optedOut: true) }`, nil, nil)
	var res struct{ CancelReservation struct{ Status string } }
	b.Must(token, `mutation($id: UUID!) { cancelReservation(id: $id) { status } }`, map[string]any{"id": id}, &res)
	row := b.waitSMS(t, "CANCELLATION", "SKIPPED")
	if !strings.Contains(deref(row.LastError), "opted out") {
		t.Fatalf("skipped for %q", deref(row.LastError))
	}
	if n := len(b.Server.SMSAPI.Messages()); n != 1 {
		t.Fatalf("%d SMS; want only the confirmation", n)
	}

	off := newBookingEnv(t, "sms-off", nil, func(_ *config.Config, o *server.Options) { o.MessagePollInterval = 20 * time.Millisecond })
	off.Must("", createReservationOp, map[string]any{"in": off.reservationInput(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), "")}, nil)
	if row := off.waitSMS(t, "BOOKING_CONFIRMATION", "SKIPPED", "SENT"); row.Status != "SKIPPED" || len(off.Server.SMSAPI.Messages()) != 0 {
		t.Fatalf("SMS off: %+v", row)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
