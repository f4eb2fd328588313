package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/mail"
	"github.com/slotpay/slotpay/services/mail/mailtest"
	"github.com/slotpay/slotpay/services/messages"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

const deliveriesOp = `query($f: MessageDeliveryFilter) { messageDeliveries(filter: $f, first: 100) { totalCount edges { node {
	id kind channel audience recipient status attempts lastError subject providerRef scheduledAt sentAt resendOf } } } }`

type logEntry struct {
	ID, Kind, Channel, Audience, Recipient, Status string
	Attempts                                       int
	LastError, Subject, ProviderRef, ResendOf      *string
	ScheduledAt                                    time.Time
	SentAt                                         *time.Time
}

func deliveries(t *testing.T, env *servertest.Env, token string, filter map[string]any) []logEntry {
	t.Helper()
	var out struct {
		MessageDeliveries struct {
			Edges []struct{ Node logEntry }
		}
	}
	env.Must(token, deliveriesOp, map[string]any{"f": filter}, &out)
	list := make([]logEntry, len(out.MessageDeliveries.Edges))
	for i, e := range out.MessageDeliveries.Edges {
		list[i] = e.Node
	}
	return list
}

// waitDelivery polls the log until a message of kind reaches one of statuses.
func waitDelivery(t *testing.T, env *servertest.Env, token, kind string, statuses ...string) logEntry {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, d := range deliveries(t, env, token, map[string]any{"kinds": []string{kind}}) {
			for _, s := range statuses {
				if d.Status == s {
					return d
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s message reached %v: %+v", kind, statuses, deliveries(t, env, token, nil))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitCount waits (up to 15 s) until the owner's count query answers want.
func waitCount(t *testing.T, env *servertest.Env, want int, sql string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		n := env.Count(sql, args...)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d, want %d", sql, n, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A booking's confirmation reaches the customer's mailbox once, in the business's language and zone,
// with the manage link carrying the reservation's customer token; the staff are told of it; the log
// shows it SENT with the e-mail's Message-ID and the recipient masked.
func TestBookingConfirmationReachesMailpitOnce(t *testing.T) {
	t.Parallel()
	pit := mailtest.Start(t)
	b := newBookingEnv(t, "mail-confirm", nil, servertest.WithSMTP(pit.SMTPHost, pit.SMTPPort))
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) // 10:00 in Warsaw
	var out struct{ CreateReservation createdReservation }
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(start, "")}, &out)
	got := pit.WaitFor(`to:"jan@example.com"`, 1, 15*time.Second)
	msg := pit.Message(got[0].ID)
	if msg.Subject != "Rezerwacja potwierdzona: Haircut, wtorek, 10 marca 2026, 10:00" {
		t.Errorf("subject %q", msg.Subject)
	}
	if !strings.Contains(msg.Text, "/b/mail-confirm/r/"+out.CreateReservation.Reservation.ID+"#token=") ||
		!strings.Contains(msg.Text, "Cena: 100,00\u00a0zł") {
		t.Errorf("text %q", msg.Text)
	}
	pit.WaitFor(`to:"`+b.owner.Email+`"`, 1, 15*time.Second)
	d := waitDelivery(t, b.Env, b.owner.AccessToken, "BOOKING_CONFIRMATION", "SENT")
	if d.Recipient != "j***@example.com" || d.Attempts != 1 || d.ProviderRef == nil || *d.ProviderRef != "<"+msg.MessageID+">" {
		t.Errorf("log entry %+v (Message-ID %s)", d, msg.MessageID)
	}
	time.Sleep(300 * time.Millisecond) // a second logEntry would have arrived by now
	if n := len(pit.Search(`to:"jan@example.com"`)); n != 1 {
		t.Fatalf("%d e-mails to the customer, want 1", n)
	}
}

// A booking that is rolled back (its slot taken meanwhile: the database refuses the insert in the
// same transaction) records and sends nothing.
func TestRolledBackBookingSendsNothing(t *testing.T) {
	t.Parallel()
	pit := mailtest.Start(t)
	b := newBookingEnv(t, "mail-rollback", nil, servertest.WithSMTP(pit.SMTPHost, pit.SMTPPort))
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(start, "")}, nil)
	second := b.reservationInput(start, "")
	second["customer"] = map[string]any{"name": "Ewa Nowak", "email": "ewa@example.com"}
	b.MustFail("", createReservationOp, map[string]any{"in": second}, "SLOT_UNAVAILABLE")
	pit.WaitFor(`to:"jan@example.com"`, 1, 15*time.Second)
	time.Sleep(300 * time.Millisecond)
	if n := b.Count(`SELECT count(*) FROM messages WHERE recipient = 'ewa@example.com'`); n != 0 {
		t.Fatalf("%d messages recorded for the rolled-back booking", n)
	}
	if n := len(pit.Search(`to:"ewa@example.com"`)); n != 0 {
		t.Fatalf("%d e-mails sent for the rolled-back booking", n)
	}
}

// crashAfterSend delivers through the real SMTP channel and then panics, once: a worker that dies
// after the server took the message and before its result was recorded.
type crashAfterSend struct {
	*mail.SMTP
	crashed atomic.Bool
}

func (c *crashAfterSend) Deliver(ctx context.Context, d *messages.Delivery) (string, error) {
	ref, err := c.SMTP.Deliver(ctx, d)
	if err == nil && d.Kind == messages.BookingConfirmation && c.crashed.CompareAndSwap(false, true) {
		panic("worker died after sending " + ref)
	}
	return ref, err
}

// A job that crashed after the message went out runs again (River retries it) and does not send it
// again: the message is UNKNOWN in the log, delivered once.
func TestJobCrashingAfterSendingDoesNotSendAgain(t *testing.T) {
	t.Parallel()
	pit := mailtest.Start(t)
	smtp, err := mail.NewSMTP(pit.Config())
	if err != nil {
		t.Fatal(err)
	}
	crash := &crashAfterSend{SMTP: smtp}
	b := newBookingEnv(t, "mail-crash", nil, servertest.WithSMTP(pit.SMTPHost, pit.SMTPPort), func(_ *config.Config, o *server.Options) {
		o.MessageChannels = []messages.Channel{crash}
	})
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), "")}, nil)
	d := waitDelivery(t, b.Env, b.owner.AccessToken, "BOOKING_CONFIRMATION", "UNKNOWN")
	if !crash.crashed.Load() || d.Attempts != 1 || d.LastError == nil {
		t.Fatalf("after the crash: %+v", d)
	}
	// River records a job's end after the worker returns (its completer batches): wait for it.
	waitCount(t, b.Env, 1, `SELECT count(*) FROM river_job WHERE state = 'completed' AND attempt = 2`)
	time.Sleep(300 * time.Millisecond)
	if n := len(pit.Search(`to:"jan@example.com"`)); n != 1 {
		t.Fatalf("%d e-mails to the customer, want exactly the one sent before the crash", n)
	}
	// Staff may send it again by hand: a new message, resendOf the unknown one.
	var out struct{ ResendMessage logEntry }
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { resendMessage(id: $id) { id status resendOf } }`, map[string]any{"id": d.ID}, &out)
	if out.ResendMessage.ResendOf == nil || *out.ResendMessage.ResendOf != d.ID {
		t.Fatalf("resend %+v", out.ResendMessage)
	}
	pit.WaitFor(`to:"jan@example.com"`, 2, 15*time.Second)
}

// An SMTP server that refuses to answer is retried with backoff, then the message is DEAD in the log
// with its attempts and last error, and River discarded its job.
func TestProviderErrorRetriedThenDeadLettered(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "mail-dead", nil, servertest.WithSMTP("127.0.0.1", 1), func(_ *config.Config, o *server.Options) {
		o.MessageMaxAttempts = 3
	})
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), "")}, nil)
	failed := waitDelivery(t, b.Env, b.owner.AccessToken, "BOOKING_CONFIRMATION", "FAILED", "DEAD")
	if failed.LastError == nil || !strings.Contains(*failed.LastError, "dial") {
		t.Fatalf("first failure %+v", failed)
	}
	dead := waitDelivery(t, b.Env, b.owner.AccessToken, "BOOKING_CONFIRMATION", "DEAD")
	if dead.Attempts != 3 || dead.LastError == nil {
		t.Fatalf("dead letter %+v", dead)
	}
	waitCount(t, b.Env, 1, `SELECT count(*) FROM river_job WHERE state = 'discarded' AND attempt = 3 AND args->>'message_id' = $1`, dead.ID)
	list := deliveries(t, b.Env, b.owner.AccessToken, map[string]any{"statuses": []string{"DEAD"}})
	if len(list) < 1 {
		t.Fatal("the DEAD filter lists nothing")
	}
}

// Reminders go at the business's offsets before the visit (controlled clock), not before; a
// cancelled visit gets none; a moved visit's reminders move with it.
func TestRemindersAtOffsetsCancelledAndMoved(t *testing.T) {
	t.Parallel()
	pit := mailtest.Start(t)
	b := newBookingEnv(t, "mail-remind", nil, servertest.WithSMTP(pit.SMTPHost, pit.SMTPPort))
	b.Must(b.owner.AccessToken, `mutation { updateMessageSettings(input: {reminderOffsetsMinutes: [120, 1440]}) { reminderOffsetsMinutes } }`, nil, nil)
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) // Tuesday 10:00 in Warsaw
	var kept, cancelled struct{ CreateReservation createdReservation }
	b.Must("", createReservationOp, map[string]any{"in": b.reservationInput(start, "")}, &kept)
	other := b.reservationInput(start.Add(2*time.Hour), "")
	other["customer"] = map[string]any{"name": "Ewa Nowak", "email": "ewa@example.com"}
	b.Must("", createReservationOp, map[string]any{"in": other}, &cancelled)
	b.Must(cancelled.CreateReservation.CustomerAccessToken, `mutation($id: UUID!) { cancelReservation(id: $id) { status } }`,
		map[string]any{"id": cancelled.CreateReservation.Reservation.ID}, nil)
	reminders := func(email string) int { return len(pit.Search(`to:"` + email + `" subject:"Przypomnienie"`)) }

	b.clock.Set(start.Add(-24*time.Hour - time.Minute))
	time.Sleep(400 * time.Millisecond)
	if n := reminders("jan@example.com"); n != 0 {
		t.Fatalf("%d reminders a minute before the offset", n)
	}
	b.clock.Set(start.Add(-24 * time.Hour))
	pit.WaitFor(`to:"jan@example.com" subject:"Przypomnienie"`, 1, 15*time.Second)

	// Move the visit to the next day: its 2-hour reminder goes at the new time, not the old one.
	moved := start.Add(24 * time.Hour)
	var login struct{ LogIn struct{ AccessToken string } }
	b.Must("", logInMutation, map[string]any{"in": map[string]any{"email": b.owner.Email, "password": b.owner.Password}}, &login)
	b.Must(login.LogIn.AccessToken, rescheduleOp, map[string]any{"id": kept.CreateReservation.Reservation.ID,
		"in": map[string]any{"startsAt": moved.Format(time.RFC3339)}}, nil)
	b.clock.Set(start.Add(-2 * time.Hour))
	time.Sleep(400 * time.Millisecond)
	if n := reminders("jan@example.com"); n != 1 {
		t.Fatalf("%d reminders after the old time's 2-hour offset, want only the first", n)
	}
	b.clock.Set(moved.Add(-2 * time.Hour))
	got := pit.WaitFor(`to:"jan@example.com" subject:"Przypomnienie"`, 3, 15*time.Second) // 24 h and 2 h before the new time
	for _, m := range got {
		if !strings.Contains(m.Subject, "11 marca 2026, 10:00") && !strings.Contains(m.Subject, "10 marca 2026, 10:00") {
			t.Errorf("reminder %q", m.Subject)
		}
	}
	if n := reminders("ewa@example.com"); n != 0 {
		t.Fatalf("%d reminders of a cancelled visit", n)
	}
	if n := b.Count(`SELECT count(*) FROM messages WHERE kind = 'REMINDER' AND recipient = 'ewa@example.com' AND status = 'CANCELLED'`); n != 2 {
		t.Fatalf("%d cancelled reminders of the cancelled visit, want 2", n)
	}
}

// When imoje's notifications do not arrive (a payment pending for 15 minutes with none), the owner
// is told once per incident with the exact notification URL, however often the check runs.
func TestSilentNotificationWarningOncePerIncident(t *testing.T) {
	t.Parallel()
	pit := mailtest.Start(t)
	clock := &bookingClock{t: time.Now().UTC()}
	env := servertest.New(t, servertest.WithClock(clock.Now), servertest.WithSMTP(pit.SMTPHost, pit.SMTPPort), func(_ *config.Config, o *server.Options) {
		o.HoldExpiryInterval, o.ReconcileInterval = time.Hour, time.Hour
	})
	p := newPayEnvOn(t, env, "mail-silent")
	r := p.book(t)
	p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "k1"})
	ctx := context.Background()
	if n, err := env.Server.Messages.CheckSilentImoje(ctx); err != nil || n != 0 {
		t.Fatalf("a fresh payment is not silence: %d %v", n, err)
	}
	clock.Set(clock.Now().Add(16 * time.Minute))
	for range 3 {
		if n, err := env.Server.Messages.CheckSilentImoje(ctx); err != nil || n != 1 {
			t.Fatalf("check: %d %v", n, err)
		}
	}
	got := pit.WaitFor(`to:"`+p.owner.Email+`" subject:"imoje"`, 1, 15*time.Second)
	msg := pit.Message(got[0].ID)
	if !strings.Contains(msg.Text, env.URL+"/payment-imoje") {
		t.Fatalf("the warning does not name the notification URL %s: %q", env.URL+"/payment-imoje", msg.Text)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(pit.Search(`to:"` + p.owner.Email + `" subject:"imoje"`)); n != 1 {
		t.Fatalf("%d warnings for one incident", n)
	}
}

// Two instances on one database, both running the queue, deliver each of many messages exactly once.
func TestTwoInstancesDeliverEachMessageExactlyOnce(t *testing.T) {
	t.Parallel()
	pit := mailtest.Start(t)
	db := dbtest.New(t)
	clock := &bookingClock{t: bookingTime}
	opts := []servertest.Option{servertest.WithClock(clock.Now), servertest.WithSMTP(pit.SMTPHost, pit.SMTPPort)}
	a := servertest.NewOn(t, db, opts...)
	bEnv := servertest.NewOn(t, db, opts...)
	b := &bookingEnv{Env: a, clock: clock, owner: a.SignUp("mail-two")}
	a.Must(b.owner.AccessToken, `mutation { updateBookingSettings(input: {minNoticeMinutes: 0, slotStepMinutes: 15, bookingHorizonDays: 365}) { slotStepMinutes } }`, nil, nil)
	a.Must(b.owner.AccessToken, `mutation { updateMessageSettings(input: {reminderOffsetsMinutes: []}) { reminderOffsetsMinutes } }`, nil, nil)
	b.service = b.createService(t, nil)
	b.staff = b.createStaff(t, "Anna", b.service)
	week := []map[string]any{}
	for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		week = append(week, map[string]any{"weekday": d, "start": "09:00", "end": "17:00"})
	}
	a.Must(b.owner.AccessToken, `mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`,
		map[string]any{"id": b.staff, "w": week}, nil)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := a
			if i%2 == 1 {
				env = bEnv
			}
			in := b.reservationInput(time.Date(2026, 3, 10+i/8, 8+i%8, 0, 0, 0, time.UTC), "")
			in["customer"] = map[string]any{"name": "Klient", "email": fmt.Sprintf("c%d@example.com", i)}
			b2 := &bookingEnv{Env: env}
			r, err := b2.post("", createReservationOp, map[string]any{"in": in})
			if err == nil && len(r.Errors) > 0 {
				err = errors.New(r.Errors[0].Message)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	pit.WaitFor(`subject:"Rezerwacja potwierdzona"`, n, 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	seen := map[string]int{}
	for _, m := range pit.Search(`subject:"Rezerwacja potwierdzona"`) {
		seen[m.To[0].Address]++
		if seen[m.To[0].Address] > 1 {
			t.Errorf("%s got its confirmation twice", m.To[0].Address)
		}
	}
	if len(seen) != n {
		t.Fatalf("%d customers got a confirmation, want %d", len(seen), n)
	}
	if got := a.Count(`SELECT count(*) FROM messages WHERE status = 'SENT' AND attempts = 1`); got != a.Count(`SELECT count(*) FROM messages`) {
		t.Fatalf("%d of %d messages SENT at their first attempt", got, a.Count(`SELECT count(*) FROM messages`))
	}
}
