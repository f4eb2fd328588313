package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/imojesim"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// The deposit tests run on payEnv's REQUIRED service (price 12,000) given a deposit.

type amountOf struct{ Amount int }

type moneyState struct {
	Status, PaymentStatus                             string
	AmountDue, AmountPaid, AmountRefunded, BalanceDue amountOf
	DepositDue, OverpaidAmount                        *amountOf
	History                                           []struct{ ToStatus, ToPaymentStatus, Reason string }
	Payments                                          []struct {
		ID, Status             string
		Amount, RefundedAmount amountOf
	}
}

const moneyStateOp = `query($id: UUID!) { reservation(id: $id) { status paymentStatus
	amountDue { amount } depositDue { amount } amountPaid { amount } amountRefunded { amount } balanceDue { amount } overpaidAmount { amount }
	history { toStatus toPaymentStatus reason } payments { id status amount { amount } refundedAmount { amount } } } }`

func (p *payEnv) money(t *testing.T, token, id string) moneyState {
	t.Helper()
	var out struct{ Reservation moneyState }
	p.Must(token, moneyStateOp, map[string]any{"id": id}, &out)
	return out.Reservation
}

func (p *payEnv) waitMoney(t *testing.T, id, what string, cond func(moneyState) bool) moneyState {
	t.Helper()
	return pollUntil(t, p, what, func() moneyState { return p.money(t, p.owner.AccessToken, id) }, cond)
}

// onSiteMethod adds an ON_SITE payment method ("At the salon") and returns its id.
func (p *payEnv) onSiteMethod(t *testing.T) string {
	t.Helper()
	var m struct{ CreatePaymentMethod struct{ ID string } }
	p.Must(p.owner.AccessToken, `mutation { createPaymentMethod(input: {kind: ON_SITE, displayName: "At the salon"}) { id } }`, nil, &m)
	return m.CreatePaymentMethod.ID
}

// depositPaid books a slot and pays what is due first (the deposit) by fast transfer, settled
// through the simulator, and waits for it to confirm the reservation PARTIALLY_PAID.
func (p *payEnv) depositPaid(t *testing.T) (createdReservation, paymentResult) {
	t.Helper()
	r := p.book(t)
	deposit := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "deposit-" + r.Reservation.ID})
	p.settle(t, deposit)
	p.waitMoney(t, r.Reservation.ID, "the deposit", func(s moneyState) bool { return s.Status == "CONFIRMED" && s.PaymentStatus == "PARTIALLY_PAID" })
	return r, deposit
}

// totals checks the reservation's amounts: paid, refunded, balance due.
func (s moneyState) totals(paid, refunded, balance int) bool {
	return s.AmountDue.Amount == priceAmount && s.AmountPaid.Amount == paid && s.AmountRefunded.Amount == refunded && s.BalanceDue.Amount == balance
}

func (p *payEnv) setDeposit(t *testing.T, kind string, value int) {
	t.Helper()
	p.Must(p.owner.AccessToken, `mutation($id: UUID!, $in: ServiceInput!) { updateService(id: $id, input: $in) { depositKind depositValue } }`,
		map[string]any{"id": p.service, "in": map[string]any{"depositKind": kind, "depositValue": value}}, nil)
}

// settle makes imoje settle one of our payments and waits for its notification to arrive.
func (p *payEnv) settle(t *testing.T, pay paymentResult) {
	t.Helper()
	p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
}

func (p *payEnv) partiallyPaid(t *testing.T, token string) []string {
	t.Helper()
	var out struct {
		Reservations struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	p.Must(token, `{ reservations(first: 50, filter: {paymentStatuses: [PARTIALLY_PAID]}) { edges { node { id } } } }`, nil, &out)
	var ids []string
	for _, e := range out.Reservations.Edges {
		ids = append(ids, e.Node.ID)
	}
	return ids
}

// TestDepositConfirmsThenBalanceIsPaidOnline: a service asking a 25% deposit; the booking holds its
// slot owing the whole price; the first payment is the deposit (its amount and title at imoje), and
// it confirms the reservation PARTIALLY_PAID; a later change of the service's deposit leaves the
// booking's alone; the second payment is the balance, which is no duplicate and makes it PAID with
// the totals adding up; a third is CONFLICT with nothing changed; refunds never exceed what was paid.
func TestDepositConfirmsThenBalanceIsPaidOnline(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "deposit-online")
	p.setDeposit(t, "PERCENT", 25)
	r := p.book(t)
	st := p.money(t, r.CustomerAccessToken, r.Reservation.ID)
	if st.Status != "PENDING_PAYMENT" || st.DepositDue == nil || st.DepositDue.Amount != 3000 || !st.totals(0, 0, priceAmount) || st.OverpaidAmount != nil {
		t.Fatalf("booked: %+v", st)
	}

	// The customer's page follows the reservation live.
	ws := connect(t, p.URL, transportWS, r.CustomerAccessToken)
	ws.subscribe("mine", `subscription($id: UUID!) { reservationUpdated(id: $id) { reservation { status paymentStatus amountPaid { amount } balanceDue { amount } } } }`,
		map[string]any{"id": r.Reservation.ID})
	waitSubscribed(t, p.Env, 1)

	deposit := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "deposit"})
	if deposit.Amount.Amount != 3000 {
		t.Fatalf("the first payment is the deposit: %+v", deposit)
	}
	sale, err := p.sim.Transaction(*deposit.ImojeTransactionID)
	if err != nil || sale.Amount != 3000 || !strings.HasSuffix(sale.Title, " - zaliczka / deposit") || !strings.HasPrefix(sale.Title, "Haircut ") {
		t.Fatalf("imoje was asked for %d titled %q (%v)", sale.Amount, sale.Title, err)
	}
	p.settle(t, deposit)
	st = p.waitMoney(t, r.Reservation.ID, "the deposit", func(s moneyState) bool { return s.PaymentStatus == "PARTIALLY_PAID" })
	if st.Status != "CONFIRMED" || !st.totals(3000, 0, 9000) {
		t.Fatalf("after the deposit: %+v", st)
	}
	if last := st.History[len(st.History)-1]; last.ToStatus != "CONFIRMED" || last.ToPaymentStatus != "PARTIALLY_PAID" {
		t.Fatalf("history %+v", last)
	}
	for i := 0; ; i++ { // PENDING (the payment started), then the deposit
		var ev struct {
			ReservationUpdated struct {
				Reservation struct {
					Status, PaymentStatus  string
					AmountPaid, BalanceDue amountOf
				}
			}
		}
		ws.next("mine", 5*time.Second, &ev)
		got := ev.ReservationUpdated.Reservation
		if got.PaymentStatus == "PARTIALLY_PAID" {
			if got.Status != "CONFIRMED" || got.AmountPaid.Amount != 3000 || got.BalanceDue.Amount != 9000 {
				t.Fatalf("live update of the deposit: %+v", got)
			}
			break
		}
		if i == 2 {
			t.Fatalf("no live update of the deposit; last %+v", got)
		}
	}
	if ids := p.partiallyPaid(t, p.owner.AccessToken); len(ids) != 1 || ids[0] != r.Reservation.ID {
		t.Fatalf("the dashboard's PARTIALLY_PAID filter: %v", ids)
	}

	// The service asks more from now on; this booking keeps the deposit it was made with.
	p.setDeposit(t, "PERCENT", 50)
	if st := p.money(t, p.owner.AccessToken, r.Reservation.ID); st.DepositDue == nil || st.DepositDue.Amount != 3000 || !st.totals(3000, 0, 9000) {
		t.Fatalf("after the service changed: %+v", st)
	}

	balance := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "mtransfer", "idempotencyKey": "balance"})
	if balance.Amount.Amount != 9000 {
		t.Fatalf("the second payment is the balance: %+v", balance)
	}
	if sale, err := p.sim.Transaction(*balance.ImojeTransactionID); err != nil || sale.Amount != 9000 || !strings.HasSuffix(sale.Title, " - dopłata / balance") {
		t.Fatalf("imoje was asked for %d titled %q (%v)", sale.Amount, sale.Title, err)
	}
	// While the balance is in progress the deposit's status stays.
	if st := p.money(t, p.owner.AccessToken, r.Reservation.ID); st.PaymentStatus != "PARTIALLY_PAID" {
		t.Fatalf("a balance in progress moved the status: %+v", st)
	}
	p.settle(t, balance)
	st = p.waitMoney(t, r.Reservation.ID, "the balance", func(s moneyState) bool { return s.PaymentStatus == "PAID" })
	if st.Status != "CONFIRMED" || !st.totals(priceAmount, 0, 0) || st.OverpaidAmount != nil || len(st.Payments) != 2 ||
		st.Payments[0].Status != "PAID" || st.Payments[1].Status != "PAID" {
		t.Fatalf("after the balance: %+v", st)
	}
	if ids := p.partiallyPaid(t, p.owner.AccessToken); len(ids) != 0 {
		t.Fatalf("still listed PARTIALLY_PAID: %v", ids)
	}
	if n := p.Count(`SELECT count(*) FROM refunds`); n != 0 {
		t.Fatalf("the balance was refunded as a duplicate: %d refunds", n)
	}

	// Nothing is due: refused, nothing written.
	payments := p.Count(`SELECT count(*) FROM payments`)
	p.MustFail(r.CustomerAccessToken, initiateOp, map[string]any{"in": map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "third"}}, "CONFLICT")
	if n := p.Count(`SELECT count(*) FROM payments`); n != payments {
		t.Fatalf("a refused payment was written: %d payments, want %d", n, payments)
	}

	// Refunds: never more than a payment paid; the reservation's totals follow the settled ones.
	const refundOp = `mutation($in: RefundPaymentInput!) { refundPayment(input: $in) { id status } }`
	e := p.MustFail(p.owner.AccessToken, refundOp, map[string]any{"in": map[string]any{"paymentId": deposit.ID, "amount": 3001}}, "BAD_USER_INPUT")
	if e.Field() != "input.amount" {
		t.Fatalf("field %q", e.Field())
	}
	p.Must(p.owner.AccessToken, refundOp, map[string]any{"in": map[string]any{"paymentId": deposit.ID, "amount": 1000, "reason": "goodwill"}}, nil)
	st = p.waitMoney(t, r.Reservation.ID, "the refund", func(s moneyState) bool { return s.PaymentStatus == "PARTIALLY_REFUNDED" })
	if !st.totals(priceAmount, 1000, 1000) {
		t.Fatalf("after a refund of 1000: %+v", st)
	}
	// imoje notifications claiming more than a payment has left change nothing.
	saleTx, err := p.sim.Transaction(*balance.ImojeTransactionID)
	if err != nil {
		t.Fatal(err)
	}
	for _, amount := range []int64{9001, 12000} {
		tx := saleTx
		tx.Refunds = nil
		tx.ID, tx.Type, tx.Status, tx.Amount, tx.OrderID = uuid.NewString(), "refund", "settled", amount, balance.ID
		body, _ := imojesim.EncodeNotification(imojesim.Notification{Transaction: &tx})
		if code, answer := postNotification(t, p.URL, p.sign(t, body), body); code != 200 || answer != `{"status":"ok"}` {
			t.Fatalf("answered %d %s", code, answer)
		}
	}
	if st := p.money(t, p.owner.AccessToken, r.Reservation.ID); !st.totals(priceAmount, 1000, 1000) || st.Payments[0].RefundedAmount.Amount != 0 {
		t.Fatalf("over-refund notifications moved money: %+v", st)
	}
	if n := p.Count(`SELECT count(*) FROM imoje_notifications WHERE kind = 'refund' AND outcome = 'MISMATCH' AND payment_id = $1`, balance.ID); n != 2 {
		t.Fatalf("%d over-refunds kept as mismatches, want 2", n)
	}
}

// TestBalanceMarkedPaidAtTheVenue: a fixed deposit paid online, the rest recorded by staff: the
// record is the balance (never more), PAID; then nothing is due.
func TestBalanceMarkedPaidAtTheVenue(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "deposit-venue")
	p.setDeposit(t, "FIXED", 2000)
	onSite := p.onSiteMethod(t)
	const markOp = `mutation($r: UUID!, $m: UUID!) { markReservationPaid(reservationId: $r, paymentMethodId: $m, note: "cash") { status paymentStatus balanceDue { amount } } }`

	r, deposit := p.depositPaid(t)
	if deposit.Amount.Amount != 2000 {
		t.Fatalf("deposit %+v", deposit)
	}

	p.Must(p.owner.AccessToken, markOp, map[string]any{"r": r.Reservation.ID, "m": onSite}, nil)
	st := p.money(t, p.owner.AccessToken, r.Reservation.ID)
	if st.Status != "CONFIRMED" || st.PaymentStatus != "PAID" || !st.totals(priceAmount, 0, 0) || st.OverpaidAmount != nil {
		t.Fatalf("after the balance was recorded: %+v", st)
	}
	if last := st.History[len(st.History)-1]; last.ToPaymentStatus != "PAID" || !strings.Contains(last.Reason, "At the salon") {
		t.Fatalf("history %+v", last)
	}
	// Recorded again, or paid online now: refused, nothing changed.
	p.MustFail(p.owner.AccessToken, markOp, map[string]any{"r": r.Reservation.ID, "m": onSite}, "CONFLICT")
	p.MustFail(r.CustomerAccessToken, initiateOp, map[string]any{"in": map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "after"}}, "CONFLICT")
	if again := p.money(t, p.owner.AccessToken, r.Reservation.ID); !again.totals(priceAmount, 0, 0) || len(again.History) != len(st.History) || len(again.Payments) != 1 {
		t.Fatalf("a refused record changed the reservation: %+v", again)
	}

	// Without any deposit paid, the record is the whole price.
	other := p.book(t)
	p.Must(p.owner.AccessToken, markOp, map[string]any{"r": other.Reservation.ID, "m": onSite}, nil)
	if st := p.money(t, p.owner.AccessToken, other.Reservation.ID); st.Status != "CONFIRMED" || st.PaymentStatus != "PAID" || !st.totals(priceAmount, 0, 0) {
		t.Fatalf("recorded in full: %+v", st)
	}
}

// TestNothingDueAfterThePriceWasLowered: a deposit paid, then the visit's price lowered below it
// (as a reschedule to a cheaper service would): nothing is due, the excess is shown as overpaid,
// and both paying online and recording a payment are CONFLICT with nothing changed.
func TestNothingDueAfterThePriceWasLowered(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "deposit-overpaid")
	p.setDeposit(t, "FIXED", 5000)
	onSite := p.onSiteMethod(t)
	r, _ := p.depositPaid(t)
	owner, err := p.DB.Owner()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(context.Background(), `UPDATE reservations SET price_amount = 4000 WHERE id = $1`, r.Reservation.ID); err != nil {
		t.Fatal(err)
	}
	before := p.money(t, p.owner.AccessToken, r.Reservation.ID)
	if before.BalanceDue.Amount != 0 || before.OverpaidAmount == nil || before.OverpaidAmount.Amount != 1000 || before.AmountPaid.Amount != 5000 {
		t.Fatalf("after the price was lowered: %+v", before)
	}
	payments := p.Count(`SELECT count(*) FROM payments`)
	e := p.MustFail(r.CustomerAccessToken, initiateOp, map[string]any{"in": map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "nothing"}}, "CONFLICT")
	if e.Message != "Za tę rezerwację nic nie jest należne." { // the business is Polish: the message is too
		t.Fatalf("message %q", e.Message)
	}
	p.MustFail(p.owner.AccessToken, `mutation($r: UUID!, $m: UUID!) { markReservationPaid(reservationId: $r, paymentMethodId: $m) { status } }`,
		map[string]any{"r": r.Reservation.ID, "m": onSite}, "CONFLICT")
	after := p.money(t, p.owner.AccessToken, r.Reservation.ID)
	if p.Count(`SELECT count(*) FROM payments`) != payments || after.PaymentStatus != before.PaymentStatus || len(after.History) != len(before.History) ||
		after.AmountPaid != before.AmountPaid {
		t.Fatalf("a refusal changed something: %+v", after)
	}
}

// TestSecondDepositChargeIsRefundedAsDuplicate: imoje answers the first deposit payment too late
// (UNKNOWN); the customer retries, and both deposits settle. The first to settle pays the deposit;
// the other is a DUPLICATE refunded in full through imoje, and the reservation's totals count
// neither the duplicate nor its refund. The balance afterwards is no duplicate.
func TestSecondDepositChargeIsRefundedAsDuplicate(t *testing.T) {
	t.Parallel()
	p := newIntegrityEnv(t, "deposit-twice")
	p.setDeposit(t, "FIXED", 4000)
	r := p.book(t)
	if _, err := p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultAPISlow, Calls: []string{imojesim.CallCreateTransaction}, Delay: imojesim.Duration(time.Second), Times: 1}); err != nil {
		t.Fatal(err)
	}
	first := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "first"})
	if first.Status != "UNKNOWN" || first.Amount.Amount != 4000 {
		t.Fatalf("a deposit imoje did not answer: %+v", first)
	}
	late := p.simTransactionFor(t, first.ID)
	second := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "mtransfer", "idempotencyKey": "second"})
	if second.Status != "PENDING" || second.Amount.Amount != 4000 {
		t.Fatalf("the retry is the deposit again: %+v", second)
	}
	p.settle(t, second)
	p.waitMoney(t, r.Reservation.ID, "the deposit", func(s moneyState) bool { return s.PaymentStatus == "PARTIALLY_PAID" })
	p.outcome(t, late.ID, imojesim.Outcome{Outcome: "settle"})
	st := p.waitIntegrity(t, r.Reservation.ID, "the duplicate refunded", func(s integrityState) bool {
		d := s.payment(first.ID)
		return d.Status == "DUPLICATE" && d.RefundedAmount.Amount == 4000
	})
	if d := st.payment(first.ID); len(d.Refunds) != 1 || !d.Refunds[0].Automatic || d.Refunds[0].Status != "SETTLED" {
		t.Fatalf("the duplicate's refund: %+v", d)
	}
	ms := p.money(t, p.owner.AccessToken, r.Reservation.ID)
	if ms.Status != "CONFIRMED" || ms.PaymentStatus != "PARTIALLY_PAID" || !ms.totals(4000, 0, priceAmount-4000) {
		t.Fatalf("after the duplicate deposit: %+v", ms)
	}

	balance := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "balance"})
	if balance.Amount.Amount != priceAmount-4000 {
		t.Fatalf("balance %+v", balance)
	}
	p.settle(t, balance)
	ms = p.waitMoney(t, r.Reservation.ID, "the balance", func(s moneyState) bool { return s.PaymentStatus == "PAID" })
	if !ms.totals(priceAmount, 0, 0) {
		t.Fatalf("after the balance: %+v", ms)
	}
	if n := p.Count(`SELECT count(*) FROM payments WHERE status = 'DUPLICATE'`); n != 1 {
		t.Fatalf("%d duplicates, want the second deposit only", n)
	}
	p.noNotificationRefused(t)
}

// TestBadDepositSettingsChangeNothing: every bad deposit setting is BAD_USER_INPUT naming the field
// and its sub-code, all of a request at once, and neither a created nor an updated service is
// written.
func TestBadDepositSettingsChangeNothing(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "deposit-input")
	type want struct{ field, reason string }
	for _, c := range []struct {
		name string
		in   map[string]any
		want []want
	}{
		{"fixed not below the price", map[string]any{"depositKind": "FIXED", "depositValue": priceAmount}, []want{{"input.depositValue", "OUT_OF_RANGE"}}},
		{"fixed zero", map[string]any{"depositKind": "FIXED", "depositValue": 0}, []want{{"input.depositValue", "OUT_OF_RANGE"}}},
		{"percent 100", map[string]any{"depositKind": "PERCENT", "depositValue": 100}, []want{{"input.depositValue", "OUT_OF_RANGE"}}},
		{"percent 0", map[string]any{"depositKind": "PERCENT"}, []want{{"input.depositValue", "OUT_OF_RANGE"}}},
		{"a value without a kind", map[string]any{"depositKind": "NONE", "depositValue": 10}, []want{{"input.depositValue", "INCONSISTENT"}}},
		{"paid on site, and a bad percentage", map[string]any{"paymentPolicy": "NONE", "depositKind": "PERCENT", "depositValue": 150},
			[]want{{"input.depositKind", "INCONSISTENT"}, {"input.depositValue", "OUT_OF_RANGE"}}},
		{"a price that leaves the fixed deposit not below it", map[string]any{"priceAmount": 3000, "depositKind": "FIXED", "depositValue": 3000},
			[]want{{"input.depositValue", "OUT_OF_RANGE"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			check := func(r []struct {
				field, reason, message string
			}) {
				t.Helper()
				if len(r) != len(c.want) {
					t.Fatalf("errors %+v, want %+v", r, c.want)
				}
				for i, w := range c.want {
					if r[i].field != w.field || r[i].reason != w.reason || r[i].message == "" {
						t.Fatalf("error %d: %+v, want %+v", i, r[i], w)
					}
				}
			}
			services := p.Count(`SELECT count(*) FROM services`)
			create := map[string]any{"name": "Colour", "durationMinutes": 60, "priceAmount": priceAmount, "paymentPolicy": "REQUIRED"}
			for k, v := range c.in {
				create[k] = v
			}
			check(inputErrors(p.Do(p.owner.AccessToken, `mutation($in: ServiceInput!) { createService(input: $in) { id } }`, map[string]any{"in": create})))
			if n := p.Count(`SELECT count(*) FROM services`); n != services {
				t.Fatalf("a refused service was created: %d, want %d", n, services)
			}
			before := p.Count(`SELECT count(*) FROM services WHERE id = $1 AND deposit_kind = 'NONE' AND deposit_value = 0 AND price_amount = $2 AND payment_policy = 'REQUIRED'`, p.service, priceAmount)
			check(inputErrors(p.Do(p.owner.AccessToken, `mutation($id: UUID!, $in: ServiceInput!) { updateService(id: $id, input: $in) { id } }`,
				map[string]any{"id": p.service, "in": c.in})))
			if after := p.Count(`SELECT count(*) FROM services WHERE id = $1 AND deposit_kind = 'NONE' AND deposit_value = 0 AND price_amount = $2 AND payment_policy = 'REQUIRED'`, p.service, priceAmount); before != 1 || after != 1 {
				t.Fatalf("a refused update changed the service (before %d, after %d)", before, after)
			}
		})
	}
	// A deposit is shown on the service once set; NONE clears it.
	var svc struct {
		UpdateService struct {
			DepositKind  string
			DepositValue int
		}
	}
	const op = `mutation($id: UUID!, $in: ServiceInput!) { updateService(id: $id, input: $in) { depositKind depositValue } }`
	p.Must(p.owner.AccessToken, op, map[string]any{"id": p.service, "in": map[string]any{"paymentPolicy": "OPTIONAL", "depositKind": "PERCENT", "depositValue": 30}}, &svc)
	if svc.UpdateService.DepositKind != "PERCENT" || svc.UpdateService.DepositValue != 30 {
		t.Fatalf("set: %+v", svc)
	}
	p.Must(p.owner.AccessToken, op, map[string]any{"id": p.service, "in": map[string]any{"depositKind": "NONE"}}, &svc)
	if svc.UpdateService.DepositKind != "NONE" || svc.UpdateService.DepositValue != 0 {
		t.Fatalf("cleared: %+v", svc)
	}
}

// inputErrors lists a response's BAD_USER_INPUT errors as field, reason and message (nil when it has
// another error).
func inputErrors(r servertest.Response) []struct{ field, reason, message string } {
	var out []struct{ field, reason, message string }
	for _, e := range r.Errors {
		if e.Code() != "BAD_USER_INPUT" {
			return nil
		}
		reason, _ := e.Extensions["reason"].(string)
		out = append(out, struct{ field, reason, message string }{e.Field(), reason, e.Message})
	}
	return out
}

// TestPaymentOptionsFollowTheAmountDue: the channels offered are those valid for what is due next.
// A service above every pay-later provider's limit, with a deposit within them: pay later is offered
// (and accepted) for the deposit, and no longer for the balance.
func TestPaymentOptionsFollowTheAmountDue(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "deposit-options")
	r := p.bookExpensive(t, map[string]any{"depositKind": "FIXED", "depositValue": 10000})
	payLater := func() bool {
		t.Helper()
		var opts struct{ PaymentOptions []struct{ Channel string } }
		p.Must(r.CustomerAccessToken, `query($id: UUID!) { paymentOptions(reservationId: $id) { channel } }`, map[string]any{"id": r.Reservation.ID}, &opts)
		if len(opts.PaymentOptions) == 0 {
			t.Fatal("no payment options at all")
		}
		for _, o := range opts.PaymentOptions {
			if o.Channel == "PAY_LATER" {
				return true
			}
		}
		return false
	}
	if !payLater() {
		t.Fatal("pay later not offered for a deposit within its limits")
	}
	deposit := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PAY_LATER", "payLaterProvider": "TWISTO", "idempotencyKey": "deposit"})
	if deposit.Amount.Amount != 10000 || deposit.ImojeTransactionID == nil {
		t.Fatalf("deposit by pay later: %+v", deposit)
	}
	p.settle(t, deposit)
	p.waitMoney(t, r.Reservation.ID, "the deposit", func(s moneyState) bool { return s.PaymentStatus == "PARTIALLY_PAID" })
	if payLater() {
		t.Fatal("pay later offered for a balance above its limits")
	}
	p.MustFail(r.CustomerAccessToken, initiateOp, map[string]any{"in": map[string]any{"reservationId": r.Reservation.ID, "channel": "PAY_LATER",
		"payLaterProvider": "TWISTO", "idempotencyKey": "balance"}}, "BAD_USER_INPUT")
}
