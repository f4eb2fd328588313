package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/imojesim"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// Cancellations with refunds end to end: a business with a prepaid service (12000 PLN minor units),
// its imoje shop in the simulator, a staff member working around the clock and the server's clock
// under the test's control (starting now, so that imoje's payment lifetimes are real). Customers pay
// by fast transfer, settled by the simulator; cancellations refund through the simulator.

// newCancelEnv is a payEnv on a server with a controlled clock and the business's cancellation
// rules set to rules (a CancellationRulesInput literal).
func newCancelEnv(t *testing.T, slug, rules string) *payEnv {
	t.Helper()
	clock := &bookingClock{t: time.Now().UTC().Truncate(time.Minute)}
	env := servertest.New(t, servertest.WithClock(clock.Now), func(c *config.Config, o *server.Options) {
		c.AccessTokenTTL = 24 * time.Hour // the clock moves on by hours; the owner's token lasts
		o.HoldExpiryInterval, o.ReconcileInterval = time.Hour, time.Hour
		o.ReconcileAfter = time.Millisecond
		o.RefundSpacing = 20 * time.Millisecond
	})
	p := newPayEnvOn(t, env, slug)
	p.clock = clock
	week := []map[string]any{}
	for _, d := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		week = append(week, map[string]any{"weekday": d, "start": "00:00", "end": "24:00"})
	}
	p.Must(p.owner.AccessToken, `mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`,
		map[string]any{"id": p.staff, "w": week}, nil)
	p.setRules(t, rules)
	return p
}

func (p *payEnv) setRules(t *testing.T, rules string) {
	t.Helper()
	p.Must(p.owner.AccessToken, `mutation { updateBookingSettings(input: {cancellationRules: `+rules+`}) { slotStepMinutes } }`, nil, nil)
}

// bookIn books the service starting hours whole hours from now (on the hour), PENDING_PAYMENT.
func (p *payEnv) bookIn(t *testing.T, hours int) createdReservation {
	t.Helper()
	start := p.clock.Now().Truncate(time.Hour).Add(time.Duration(hours) * time.Hour)
	var out struct{ CreateReservation createdReservation }
	p.Must("", createReservationOp, map[string]any{"in": p.reservationInput(start, "")}, &out)
	return out.CreateReservation
}

// paidIn books hours from now and pays it through the simulator.
func (p *payEnv) paidIn(t *testing.T, hours int) (createdReservation, paymentResult) {
	t.Helper()
	r := p.bookIn(t, hours)
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": r.Reservation.ID})
	p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	p.waitFor(t, r.Reservation.ID, "PAID", paid)
	return r, pay
}

type money struct {
	Amount   int
	Currency string
}

type cancellationTerms struct {
	Status, PaymentStatus                    string
	CanCancel, CanReschedule                 bool
	CancellationDeadline, RescheduleDeadline *time.Time
	FreeCancellationUntil                    time.Time
	RefundIfCancelledNow, FeeIfCancelledNow  money
}

const termsOp = `query($id: UUID!) { reservation(id: $id) { status paymentStatus canCancel cancellationDeadline canReschedule
	rescheduleDeadline freeCancellationUntil refundIfCancelledNow { amount currency } feeIfCancelledNow { amount currency } } }`

func (p *payEnv) terms(t *testing.T, token, id string) cancellationTerms {
	t.Helper()
	var out struct{ Reservation cancellationTerms }
	p.Must(token, termsOp, map[string]any{"id": id}, &out)
	return out.Reservation
}

const cancelOp = `mutation($id: UUID!, $reason: String, $refund: CancellationRefund, $amount: Int) {
	cancelReservation(id: $id, reason: $reason, refund: $refund, refundAmount: $amount) { status cancelReason
	canCancel refundIfCancelledNow { amount } payments { id refunds { status amount { amount } reason automatic } } } }`

type cancelled struct {
	CancelReservation struct {
		Status               string
		CancelReason         *string
		CanCancel            bool
		RefundIfCancelledNow money
		Payments             []struct {
			ID      string
			Refunds []struct {
				Status    string
				Amount    money
				Reason    string
				Automatic bool
			}
		}
	}
}

func cancelVars(id string, more ...any) map[string]any {
	v := map[string]any{"id": id}
	for i := 0; i+1 < len(more); i += 2 {
		v[more[i].(string)] = more[i+1]
	}
	return v
}

// imojeRefunds are the amounts imoje refunded (settled) of a sale.
func (p *payEnv) imojeRefunds(t *testing.T, transactionID string) []int64 {
	t.Helper()
	sale, err := p.sim.Transaction(transactionID)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, r := range sale.Refunds {
		if r.Transaction.Status == "settled" {
			out = append(out, r.Transaction.Amount)
		}
	}
	return out
}

// cancellationEntry is the history's row of the cancellation.
func cancellationEntry(t *testing.T, st reservationState) string {
	t.Helper()
	for _, h := range st.History {
		if h.ToStatus == "CANCELLED" && h.FromStatus != "CANCELLED" {
			return h.Actor + ": " + h.Reason
		}
	}
	t.Fatalf("no cancellation in the history: %+v", st.History)
	return ""
}

// refundedBy waits until the reservation's payment status is want and imoje holds exactly the
// refund of amount for the sale, then checks the refund row slotpay recorded.
func (p *payEnv) refundedBy(t *testing.T, r createdReservation, pay paymentResult, want string, amount int64, reason string) reservationState {
	t.Helper()
	st := p.waitFor(t, r.Reservation.ID, want, func(s reservationState) bool { return s.PaymentStatus == want })
	if got := p.imojeRefunds(t, *pay.ImojeTransactionID); len(got) != 1 || got[0] != amount {
		t.Fatalf("imoje refunded %v, want [%d]", got, amount)
	}
	if n := p.Count(`SELECT count(*) FROM refunds WHERE payment_id = $1`, pay.ID); n != 1 {
		t.Fatalf("%d refunds recorded, want 1", n)
	}
	if n := p.Count(`SELECT count(*) FROM refunds WHERE payment_id = $1 AND amount = $2 AND status = 'SETTLED' AND automatic AND reason = $3`,
		pay.ID, amount, reason); n != 1 {
		t.Fatalf("the refund row is not a settled automatic refund of %d for %q: %+v", amount, reason, p.integrity(t, p.owner.AccessToken, r.Reservation.ID))
	}
	if st.Status != "CANCELLED" || st.Payments[0].RefundedAmount.Amount != int(amount) {
		t.Fatalf("after the refund: %+v", st)
	}
	return st
}

// TestCustomerCancellationRefundsUnderThePolicy: what refundIfCancelledNow shows is what the
// customer's cancellation refunds through imoje: everything inside the free window, the rest after
// a PERCENT or a FIXED fee later, nothing under NO_REFUND, nothing for an unpaid booking; and the
// refund is computed at the cancellation's moment (the clock moves out of the free window).
func TestCustomerCancellationRefundsUnderThePolicy(t *testing.T) {
	t.Parallel()
	p := newCancelEnv(t, "cancel-customer", `{freeCancellationHours: 24, lateCancellationFee: PERCENT, lateCancellationFeePercent: 25}`)
	const policyReason = "cancelled by the customer: refund under the cancellation policy"

	// Inside the free window: everything back.
	free, freePay := p.paidIn(t, 30)
	start := free.Reservation.StartsAt
	before := p.terms(t, free.CustomerAccessToken, free.Reservation.ID)
	if !before.CanCancel || before.CancellationDeadline == nil || !before.CancellationDeadline.Equal(start) ||
		!before.FreeCancellationUntil.Equal(start.Add(-24*time.Hour)) || !before.CanReschedule ||
		before.RescheduleDeadline == nil || !before.RescheduleDeadline.Equal(start.Add(-24*time.Hour)) ||
		before.RefundIfCancelledNow != (money{priceAmount, "PLN"}) || before.FeeIfCancelledNow != (money{0, "PLN"}) {
		t.Fatalf("terms inside the free window: %+v", before)
	}
	if staff := p.terms(t, p.owner.AccessToken, free.Reservation.ID); !reflect.DeepEqual(staff, before) {
		t.Fatalf("staff see %+v, the customer %+v", staff, before)
	}
	var out cancelled
	p.Must(free.CustomerAccessToken, cancelOp, cancelVars(free.Reservation.ID, "reason", "changed my plans"), &out)
	got := out.CancelReservation
	if got.Status != "CANCELLED" || got.CancelReason == nil || *got.CancelReason != "changed my plans" || got.CanCancel ||
		got.RefundIfCancelledNow.Amount != 0 || len(got.Payments) != 1 || len(got.Payments[0].Refunds) != 1 ||
		got.Payments[0].Refunds[0].Amount.Amount != priceAmount || !got.Payments[0].Refunds[0].Automatic ||
		got.Payments[0].Refunds[0].Reason != policyReason {
		t.Fatalf("the cancellation answered %+v", got)
	}
	st := p.refundedBy(t, free, freePay, "REFUNDED", priceAmount, policyReason)
	if e := cancellationEntry(t, st); e != "customer: changed my plans; "+policyReason+": 12000 PLN refunded, 0 PLN kept" {
		t.Fatalf("history: %q", e)
	}

	// One hour inside the window when shown; two hours later, when cancelled, outside it: the
	// refund is the policy's at the cancellation's moment, 25 % of the price kept.
	late, latePay := p.paidIn(t, 25)
	if shown := p.terms(t, late.CustomerAccessToken, late.Reservation.ID); shown.RefundIfCancelledNow.Amount != priceAmount {
		t.Fatalf("an hour before the window closes: %+v", shown)
	}
	p.clock.Set(p.clock.Now().Add(2 * time.Hour))
	shown := p.terms(t, late.CustomerAccessToken, late.Reservation.ID)
	if !shown.CanCancel || shown.RefundIfCancelledNow.Amount != 9000 || shown.FeeIfCancelledNow.Amount != 3000 {
		t.Fatalf("after the window: %+v", shown)
	}
	p.Must(late.CustomerAccessToken, cancelOp, cancelVars(late.Reservation.ID), nil)
	st = p.refundedBy(t, late, latePay, "PARTIALLY_REFUNDED", int64(shown.RefundIfCancelledNow.Amount), policyReason)
	if e := cancellationEntry(t, st); e != "customer: "+policyReason+": 9000 PLN refunded, 3000 PLN kept" {
		t.Fatalf("history: %q", e)
	}

	// A FIXED fee.
	p.setRules(t, `{lateCancellationFee: FIXED, lateCancellationFeeAmount: 2000}`)
	fixed, fixedPay := p.paidIn(t, 5)
	if shown := p.terms(t, fixed.CustomerAccessToken, fixed.Reservation.ID); shown.RefundIfCancelledNow.Amount != 10000 || shown.FeeIfCancelledNow.Amount != 2000 {
		t.Fatalf("FIXED: %+v", shown)
	}
	p.Must(fixed.CustomerAccessToken, cancelOp, cancelVars(fixed.Reservation.ID), nil)
	p.refundedBy(t, fixed, fixedPay, "PARTIALLY_REFUNDED", 10000, policyReason)

	// NO_REFUND: cancelled, nothing refunded, the money stays paid.
	p.setRules(t, `{lateCancellationFee: NO_REFUND}`)
	kept, keptPay := p.paidIn(t, 6)
	if shown := p.terms(t, kept.CustomerAccessToken, kept.Reservation.ID); !shown.CanCancel || shown.RefundIfCancelledNow.Amount != 0 || shown.FeeIfCancelledNow.Amount != priceAmount {
		t.Fatalf("NO_REFUND: %+v", shown)
	}
	p.Must(kept.CustomerAccessToken, cancelOp, cancelVars(kept.Reservation.ID), nil)
	st = p.state(t, kept.Reservation.ID)
	if st.Status != "CANCELLED" || st.PaymentStatus != "PAID" || len(st.Payments[0].Refunds) != 0 ||
		p.Count(`SELECT count(*) FROM refunds WHERE payment_id = $1`, keptPay.ID) != 0 || len(p.imojeRefunds(t, *keptPay.ImojeTransactionID)) != 0 {
		t.Fatalf("NO_REFUND cancellation: %+v", st)
	}
	if e := cancellationEntry(t, st); e != "customer: "+policyReason+": 0 PLN refunded, 12000 PLN kept" {
		t.Fatalf("history: %q", e)
	}

	// Unpaid: nothing to refund, nothing said about money.
	unpaid := p.bookIn(t, 40)
	if shown := p.terms(t, unpaid.CustomerAccessToken, unpaid.Reservation.ID); !shown.CanCancel || shown.RefundIfCancelledNow.Amount != 0 || shown.FeeIfCancelledNow.Amount != 0 {
		t.Fatalf("unpaid: %+v", shown)
	}
	p.Must(unpaid.CustomerAccessToken, cancelOp, cancelVars(unpaid.Reservation.ID, "reason", "ill"), nil)
	st = p.state(t, unpaid.Reservation.ID)
	if st.Status != "CANCELLED" || st.PaymentStatus != "UNPAID" || len(st.Payments) != 0 {
		t.Fatalf("unpaid cancellation: %+v", st)
	}
	if e := cancellationEntry(t, st); e != "customer: ill" {
		t.Fatalf("history: %q", e)
	}
	p.noNotificationRefused(t)
}

// TestCustomerCannotCancelOutsideThePolicy: after the deadline, when the business lets no customer
// cancel, or once started, the customer's cancellation is CONFLICT with a stable reason and a message
// in the business's language, and nothing changes: no status, no refund, no history. A customer may
// not choose the refund either.
func TestCustomerCannotCancelOutsideThePolicy(t *testing.T) {
	t.Parallel()
	p := newCancelEnv(t, "cancel-refused", `{freeCancellationHours: 48, customerCancelUntilHours: 24}`)
	soon, soonPay := p.paidIn(t, 5)
	later, laterPay := p.paidIn(t, 30)
	history := map[string]int{}
	for _, r := range []createdReservation{soon, later} {
		history[r.Reservation.ID] = len(p.state(t, r.Reservation.ID).History)
	}
	unchanged := func(what string, r createdReservation, pay paymentResult) {
		t.Helper()
		st := p.state(t, r.Reservation.ID)
		if st.Status != "CONFIRMED" || st.PaymentStatus != "PAID" || len(st.History) != history[r.Reservation.ID] ||
			p.Count(`SELECT count(*) FROM refunds WHERE payment_id = $1`, pay.ID) != 0 || len(p.imojeRefunds(t, *pay.ImojeTransactionID)) != 0 {
			t.Fatalf("%s changed the reservation: %+v", what, st)
		}
	}
	refused := func(what string, r createdReservation, pay paymentResult, vars map[string]any, code, reason, message string) {
		t.Helper()
		e := p.MustFail(r.CustomerAccessToken, cancelOp, vars, code)
		if got, _ := e.Extensions["reason"].(string); got != reason || e.Message != message {
			t.Fatalf("%s: %+v; want reason %q, message %q", what, e, reason, message)
		}
		unchanged(what, r, pay)
	}

	shown := p.terms(t, soon.CustomerAccessToken, soon.Reservation.ID)
	if shown.CanCancel || shown.CancellationDeadline == nil || !shown.CancellationDeadline.Equal(soon.Reservation.StartsAt.Add(-24*time.Hour)) ||
		shown.RefundIfCancelledNow.Amount != 0 || shown.FeeIfCancelledNow.Amount != priceAmount {
		t.Fatalf("after the deadline: %+v", shown)
	}
	refused("after the deadline", soon, soonPay, cancelVars(soon.Reservation.ID), "CONFLICT", "CANCELLATION_DEADLINE_PASSED",
		"Na odwołanie tej rezerwacji online jest już za późno; skontaktuj się z firmą.")

	if shown := p.terms(t, later.CustomerAccessToken, later.Reservation.ID); !shown.CanCancel {
		t.Fatalf("before the deadline: %+v", shown)
	}
	refused("choosing the refund", later, laterPay, cancelVars(later.Reservation.ID, "refund", "FULL"), "FORBIDDEN", "",
		"Tylko firma decyduje o zwrocie przy odwołaniu rezerwacji.")
	refused("choosing an amount", later, laterPay, cancelVars(later.Reservation.ID, "amount", 100), "FORBIDDEN", "",
		"Tylko firma decyduje o zwrocie przy odwołaniu rezerwacji.")

	p.setRules(t, `{customerMayCancel: false}`)
	if shown := p.terms(t, later.CustomerAccessToken, later.Reservation.ID); shown.CanCancel || shown.CancellationDeadline != nil || !shown.CanReschedule {
		t.Fatalf("customers may not cancel: %+v", shown)
	}
	refused("not allowed", later, laterPay, cancelVars(later.Reservation.ID), "CONFLICT", "CANCELLATION_NOT_ALLOWED",
		"Ta firma nie przyjmuje odwołań online; skontaktuj się z firmą.")

	// Once the visit has started: CONFLICT, the deadline's reason, in English when the app asks.
	p.setRules(t, `{customerMayCancel: true, customerCancelUntilHours: 0}`)
	p.clock.Set(later.Reservation.StartsAt.Add(time.Minute))
	p.refreshOwner(t)
	resp := p.doIn("en", later.CustomerAccessToken, cancelOp, cancelVars(later.Reservation.ID))
	if len(resp.Errors) != 1 || resp.Errors[0].Code() != "CONFLICT" || resp.Errors[0].Extensions["reason"] != "CANCELLATION_DEADLINE_PASSED" ||
		resp.Errors[0].Message != "the reservation has already started; contact the business" {
		t.Fatalf("after the start: %+v", resp.Errors)
	}
	unchanged("after the start", later, laterPay)
}

// TestStaffCancellationRefunds: staff refund in full by default whatever the policy says, or as
// they choose: none, the policy's, or an amount up to what was paid (above it BAD_USER_INPUT and
// nothing changes). The refund goes through imoje; the customer's subscriptions hear the
// cancellation and the payment's refund.
func TestStaffCancellationRefunds(t *testing.T) {
	t.Parallel()
	p := newCancelEnv(t, "cancel-staff", `{freeCancellationHours: 24, lateCancellationFee: PERCENT, lateCancellationFeePercent: 50, customerMayCancel: false}`)

	full, fullPay := p.paidIn(t, 3)
	// One connection per subscription: each hears its own events in order.
	reservationWS := connect(t, p.URL, transportWS, full.CustomerAccessToken)
	reservationWS.subscribe("reservation", reservationUpdatedOp, map[string]any{"id": full.Reservation.ID})
	paymentWS := connect(t, p.URL, transportWS, full.CustomerAccessToken)
	paymentWS.subscribe("payment", paymentUpdatedOp, map[string]any{"id": full.Reservation.ID})
	waitSubscribed(t, p.Env, 2)
	p.Must(p.owner.AccessToken, cancelOp, cancelVars(full.Reservation.ID, "reason", "the salon is closed"), nil)
	var ev reservationUpdated
	reservationWS.next("reservation", delivery, &ev)
	if ev.ReservationUpdated.Kind != "UPDATED" || ev.ReservationUpdated.Reservation.Status != "CANCELLED" {
		t.Fatalf("the customer heard %+v", ev)
	}
	var pev paymentUpdated
	paymentWS.next("payment", delivery, &pev)
	if pev.PaymentUpdated.Payment == nil || pev.PaymentUpdated.Payment.ID != fullPay.ID {
		t.Fatalf("the customer heard of the payment %+v", pev)
	}
	st := p.refundedBy(t, full, fullPay, "REFUNDED", priceAmount, "cancelled by staff: refund in full")
	if e := cancellationEntry(t, st); e != p.owner.UserID+": the salon is closed; cancelled by staff: refund in full: 12000 PLN refunded, 0 PLN kept" {
		t.Fatalf("history: %q", e)
	}
	if n := p.Count(`SELECT count(*) FROM refunds WHERE payment_id = $1 AND requested_by = $2`, fullPay.ID, p.owner.UserID); n != 1 {
		t.Fatal("the refund does not name the staff member who cancelled")
	}

	none, nonePay := p.paidIn(t, 4)
	p.Must(p.owner.AccessToken, cancelOp, cancelVars(none.Reservation.ID, "refund", "NONE"), nil)
	if st := p.state(t, none.Reservation.ID); st.Status != "CANCELLED" || st.PaymentStatus != "PAID" ||
		p.Count(`SELECT count(*) FROM refunds WHERE payment_id = $1`, nonePay.ID) != 0 {
		t.Fatalf("cancelled without a refund: %+v", st)
	}

	policy, policyPay := p.paidIn(t, 5)
	p.Must(p.owner.AccessToken, cancelOp, cancelVars(policy.Reservation.ID, "refund", "POLICY"), nil)
	p.refundedBy(t, policy, policyPay, "PARTIALLY_REFUNDED", priceAmount/2, "cancelled by staff: refund under the cancellation policy")

	chosen, chosenPay := p.paidIn(t, 6)
	before := p.state(t, chosen.Reservation.ID)
	for _, c := range []struct {
		vars          map[string]any
		field, reason string
	}{
		{cancelVars(chosen.Reservation.ID, "amount", priceAmount+1), "refundAmount", "OUT_OF_RANGE"},
		{cancelVars(chosen.Reservation.ID, "amount", -1), "refundAmount", "OUT_OF_RANGE"},
		{cancelVars(chosen.Reservation.ID, "amount", 100, "refund", "FULL"), "refundAmount", "INCONSISTENT"},
	} {
		e := p.MustFail(p.owner.AccessToken, cancelOp, c.vars, "BAD_USER_INPUT")
		if e.Field() != c.field || e.Extensions["reason"] != c.reason {
			t.Fatalf("%v: %+v", c.vars, e)
		}
	}
	if e := p.MustFail(p.owner.AccessToken, cancelOp, cancelVars(chosen.Reservation.ID, "amount", priceAmount+1), "BAD_USER_INPUT"); !strings.Contains(e.Message, "12000") {
		t.Fatalf("the message does not say the most that may be refunded: %q", e.Message)
	}
	if after := p.state(t, chosen.Reservation.ID); after.Status != "CONFIRMED" || len(after.History) != len(before.History) ||
		p.Count(`SELECT count(*) FROM refunds WHERE payment_id = $1`, chosenPay.ID) != 0 {
		t.Fatalf("a refused cancellation changed the reservation: %+v", after)
	}
	p.Must(p.owner.AccessToken, cancelOp, cancelVars(chosen.Reservation.ID, "amount", 4500), nil)
	st = p.refundedBy(t, chosen, chosenPay, "PARTIALLY_REFUNDED", 4500, "cancelled by staff: refund of the amount chosen")
	if e := cancellationEntry(t, st); !strings.HasSuffix(e, ": 4500 PLN refunded, 7500 PLN kept") {
		t.Fatalf("history: %q", e)
	}

	// Unpaid: cancelled, no refund; a cancelled reservation cannot be cancelled again.
	unpaid := p.bookIn(t, 7)
	p.Must(p.owner.AccessToken, cancelOp, cancelVars(unpaid.Reservation.ID, "amount", 0), nil)
	if st := p.state(t, unpaid.Reservation.ID); st.Status != "CANCELLED" || st.PaymentStatus != "UNPAID" || len(st.Payments) != 0 {
		t.Fatalf("unpaid: %+v", st)
	}
	p.MustFail(p.owner.AccessToken, cancelOp, cancelVars(unpaid.Reservation.ID), "CONFLICT")
	p.noNotificationRefused(t)
}

// doIn posts an operation asking for answers in lang (Accept-Language).
func (p *payEnv) doIn(lang, token, query string, vars map[string]any) servertest.Response {
	p.T.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, p.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", lang)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.T.Fatal(err)
	}
	defer resp.Body.Close()
	var out servertest.Response
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		p.T.Fatal(err)
	}
	return out
}

// refreshOwner gives the owner a fresh access token (the clock moved past the old one's life).
func (p *payEnv) refreshOwner(t *testing.T) {
	t.Helper()
	var out struct {
		RefreshToken struct{ AccessToken, RefreshToken string }
	}
	p.Must("", `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }`, map[string]any{"t": p.owner.RefreshToken}, &out)
	p.owner.AccessToken, p.owner.RefreshToken = out.RefreshToken.AccessToken, out.RefreshToken.RefreshToken
}

// TestCancellationTermsOfAPageCostNoQueryPerRow: a dashboard page showing every reservation's
// cancellation terms reads the business's rules once (the response's loader), the services and
// payments with the page's other relations (one round trip), and the refunds of the settled
// payments once: a page of 50 costs what a page of 5 costs.
func TestCancellationTermsOfAPageCostNoQueryPerRow(t *testing.T) {
	t.Parallel()
	p := newCancelEnv(t, "cancel-page", `{freeCancellationHours: 1}`)
	for h := 2; h <= 3; h++ {
		p.paidIn(t, h) // the first two of the page are paid
	}
	for h := 4; h < 4+53; h++ {
		p.bookIn(t, h)
	}
	type page struct {
		Reservations struct {
			Edges []struct {
				Node struct {
					PaymentStatus        string
					CanCancel            bool
					RefundIfCancelledNow money
				}
			}
		}
	}
	load := func(fields string, first int) (page, int64, int64) {
		t.Helper()
		var out page
		p.Wire.Reset()
		p.Must(p.owner.AccessToken, `query($first: Int) { reservations(first: $first) { edges { node { `+fields+` } } } }`, map[string]any{"first": first}, &out)
		statements, trips := p.Wire.Counts()
		return out, statements, trips
	}
	const terms = `paymentStatus canCancel cancellationDeadline canReschedule rescheduleDeadline freeCancellationUntil
		refundIfCancelledNow { amount currency } feeIfCancelledNow { amount currency }`
	_, plainStatements, plainTrips := load("paymentStatus", 50)
	small, smallStatements, smallTrips := load(terms, 5)
	full, fullStatements, fullTrips := load(terms, 50)
	t.Logf("page of 50 without terms: %d statements in %d round trips; with terms: 5 rows %d in %d, 50 rows %d in %d",
		plainStatements, plainTrips, smallStatements, smallTrips, fullStatements, fullTrips)
	if len(small.Reservations.Edges) != 5 || len(full.Reservations.Edges) != 50 {
		t.Fatalf("pages of %d and %d", len(small.Reservations.Edges), len(full.Reservations.Edges))
	}
	for i, e := range full.Reservations.Edges {
		want := 0
		if i < 2 {
			want = priceAmount
		}
		if !e.Node.CanCancel || e.Node.RefundIfCancelledNow.Amount != want {
			t.Fatalf("row %d: %+v, want a refund of %d", i, e.Node, want)
		}
	}
	if fullStatements != smallStatements || fullTrips != smallTrips {
		t.Fatalf("a page of 50 ran %d statements in %d round trips, a page of 5 %d in %d: the terms cost something per row",
			fullStatements, fullTrips, smallStatements, smallTrips)
	}
	// Beyond the page without terms: the services and payments in the relations' round trip, the
	// business (one round trip) and the settled payments' refunds (one round trip).
	if fullTrips > plainTrips+3 {
		t.Fatalf("the terms added %d round trips to a page of 50", fullTrips-plainTrips)
	}
}

// TestCancellationRefundIsSentAgain: the cancellation's refund is recorded with the cancellation,
// so when imoje fails the call (here a 503) the money is not forgotten: the refund stays REQUESTED
// and reconciliation sends it again once its time has passed, until imoje makes it.
func TestCancellationRefundIsSentAgain(t *testing.T) {
	t.Parallel()
	p := newCancelEnv(t, "cancel-again", `{freeCancellationHours: 24}`)
	r, pay := p.paidIn(t, 30)
	if _, err := p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultAPIError, Calls: []string{imojesim.CallRefund}, StatusCode: 503, Times: 1}); err != nil {
		t.Fatal(err)
	}
	p.Must(r.CustomerAccessToken, cancelOp, cancelVars(r.Reservation.ID), nil)
	deadline := time.Now().Add(5 * time.Second)
	for p.Count(`SELECT count(*) FROM refunds WHERE payment_id = $1 AND status = 'REQUESTED' AND failure_message LIKE '%503%'`, pay.ID) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the failed refund: %+v", p.integrity(t, p.owner.AccessToken, r.Reservation.ID))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := p.imojeRefunds(t, *pay.ImojeTransactionID); len(got) != 0 {
		t.Fatalf("imoje made a refund it refused: %v", got)
	}
	// Its time and the imoje call's grace pass; reconciliation sends it again.
	p.clock.Set(p.clock.Now().Add(time.Hour))
	p.refreshOwner(t)
	if _, err := p.Server.Payments.ReconcileOnce(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	p.refundedBy(t, r, pay, "REFUNDED", priceAmount, "cancelled by the customer: refund under the cancellation policy")
}
