package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/imojesim"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/imoje"
	"github.com/slotpay/slotpay/services/server"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// newIntegrityEnv is newPayEnv with a short imoje client timeout, so that a slow imoje (the
// simulator's apiSlow fault) answers after slotpay gave up, as in production after 15 s.
func newIntegrityEnv(t *testing.T, slug string) *payEnv {
	t.Helper()
	env := servertest.New(t, func(c *config.Config, o *server.Options) {
		c.ImojeTimeout = 300 * time.Millisecond
		o.HoldExpiryInterval = time.Hour
		o.ReconcileInterval = time.Hour
		o.ReconcileAfter = time.Millisecond
		o.RefundSpacing = 20 * time.Millisecond
	})
	return newPayEnvOn(t, env, slug)
}

type integrityPayment struct {
	ID, Status         string
	ImojeTransactionID *string
	FailureCode        *string
	RefundedAmount     struct{ Amount int }
	Refunds            []struct {
		Status    string
		Automatic bool
		Amount    struct{ Amount int }
	}
}

type integrityState struct {
	Status, PaymentStatus string
	History               []struct{ Reason string }
	Payments              []integrityPayment
}

const integrityStateOp = `query($id: UUID!) { reservation(id: $id) { status paymentStatus history { reason }
	payments { id status imojeTransactionId failureCode refundedAmount { amount } refunds { status automatic amount { amount } } } } }`

func (p *payEnv) integrity(t *testing.T, token, id string) integrityState {
	t.Helper()
	var out struct{ Reservation integrityState }
	p.Must(token, integrityStateOp, map[string]any{"id": id}, &out)
	return out.Reservation
}

func (s integrityState) payment(id string) integrityPayment {
	for _, p := range s.Payments {
		if p.ID == id {
			return p
		}
	}
	return integrityPayment{}
}

func (p *payEnv) waitIntegrity(t *testing.T, id, what string, cond func(integrityState) bool) integrityState {
	t.Helper()
	return pollUntil(t, p, what, func() integrityState { return p.integrity(t, p.owner.AccessToken, id) }, cond)
}

// simTransactionFor finds the simulator's sale for one of our payment ids (its orderId).
func (p *payEnv) simTransactionFor(t *testing.T, paymentID string) imojesim.Transaction {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, tx := range p.sim.Transactions() {
			if tx.Type == "sale" && tx.OrderID == paymentID {
				return tx
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("imoje holds no transaction for order %s", paymentID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// noNotificationRefusedForGood: every notification the simulator sent was accepted in the end,
// and none was answered 5xx.
func (p *payEnv) noNotificationRefused(t *testing.T) {
	t.Helper()
	if err := p.sim.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, d := range p.sim.Deliveries() {
		if d.State == "dropped" {
			continue
		}
		for _, a := range d.Attempts {
			if a.StatusCode >= 500 {
				t.Fatalf("notification %s answered %d: %s", d.Event, a.StatusCode, a.ResponseBody)
			}
		}
		if d.State != "delivered" {
			t.Fatalf("notification %s is %s: %+v", d.Event, d.State, d.Attempts)
		}
	}
}

// TestDoubleChargeIsRecordedAndRefunded: imoje answers POST transaction after slotpay's client
// timeout, so the customer is told the payment may be in progress (UNKNOWN); the customer retries,
// which supersedes it; both payments settle at imoje. Whichever settles first pays the
// reservation; the other is recorded as DUPLICATE and refunded in full through imoje (or kept and
// flagged when the business refunds such money itself). Customer and staff see it; staff's
// subscription hears it; no notification is refused.
func TestDoubleChargeIsRecordedAndRefunded(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		timedOutFirst  bool // the payment imoje answered too late settles first
		keptForStaff   bool
		dropDuplicate  bool // the duplicate's notifications are lost: reconciliation finds it
		wantDuplicateI int  // 0: the timed-out payment is the duplicate, 1: the retry
	}{
		{"the retry settles first", false, false, false, 0},
		{"the timed-out payment settles first", true, false, false, 1},
		{"kept for staff when the business says so", false, true, false, 0},
		{"the duplicate's notification is lost: reconciliation finds it", true, false, true, 1},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := newIntegrityEnv(t, "double-"+string(rune('a'+i)))
			if c.keptForStaff {
				p.Must(p.owner.AccessToken, `mutation($id: UUID!) { updatePaymentMethod(id: $id, input: {autoRefundUnwanted: false}) { autoRefundUnwanted } }`,
					map[string]any{"id": p.method}, nil)
			}
			r := p.book(t)
			if _, err := p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultAPISlow, Calls: []string{imojesim.CallCreateTransaction}, Delay: imojesim.Duration(time.Second), Times: 1}); err != nil {
				t.Fatal(err)
			}
			first := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "first"})
			if first.Status != "UNKNOWN" || first.ImojeTransactionID != nil {
				t.Fatalf("a payment imoje did not answer: %+v", first)
			}
			// The customer is told the truth: it may be in progress; the reservation waits for it.
			var desc struct {
				Type struct {
					EnumValues []struct{ Name, Description string }
				} `json:"__type"`
			}
			p.Must("", `{ __type(name: "PaymentState") { enumValues { name description } } }`, nil, &desc)
			for _, v := range desc.Type.EnumValues {
				if v.Name == "UNKNOWN" && !strings.Contains(v.Description, "may be in progress") {
					t.Fatalf("UNKNOWN is described as %q", v.Description)
				}
			}
			if st := p.integrity(t, r.CustomerAccessToken, r.Reservation.ID); st.PaymentStatus != "PENDING" || st.payment(first.ID).Status != "UNKNOWN" {
				t.Fatalf("after the timeout: %+v", st)
			}
			lateTx := p.simTransactionFor(t, first.ID) // imoje did create it, after slotpay gave up

			ws := connect(t, p.URL, transportWS, p.owner.AccessToken)
			ws.subscribe("pay", paymentUpdatedOp, map[string]any{"id": r.Reservation.ID})
			waitSubscribed(t, p.Env, 1)

			second := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "mtransfer", "idempotencyKey": "second"})
			if second.Status != "PENDING" || second.ImojeTransactionID == nil {
				t.Fatalf("the retry: %+v", second)
			}
			if st := p.integrity(t, r.CustomerAccessToken, r.Reservation.ID); st.payment(first.ID).Status != "SUPERSEDED" {
				t.Fatalf("the retry did not supersede the unknown payment: %+v", st)
			}
			txs := []string{lateTx.ID, *second.ImojeTransactionID}
			ids := []string{first.ID, second.ID}
			order := []int{1, 0}
			if c.timedOutFirst {
				order = []int{0, 1}
			}
			p.outcome(t, txs[order[0]], imojesim.Outcome{Outcome: "settle"})
			p.waitIntegrity(t, r.Reservation.ID, "the first settlement", func(s integrityState) bool { return s.payment(ids[order[0]]).Status == "PAID" })
			var drop imojesim.Fault
			if c.dropDuplicate {
				var err error
				if drop, err = p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultDrop, TransactionID: txs[order[1]]}); err != nil {
					t.Fatal(err)
				}
			}
			p.outcome(t, txs[order[1]], imojesim.Outcome{Outcome: "settle"})
			if c.dropDuplicate {
				if err := p.sim.WaitIdle(context.Background()); err != nil {
					t.Fatal(err)
				}
				if err := p.sim.RemoveFault(drop.ID); err != nil { // the refund's notification arrives
					t.Fatal(err)
				}
				if s := p.integrity(t, p.owner.AccessToken, r.Reservation.ID); s.payment(ids[order[1]]).Status != "SUPERSEDED" {
					t.Fatalf("before reconciliation: %+v", s)
				}
				owner, _ := p.DB.Owner()
				if _, err := owner.Exec(context.Background(), `UPDATE payments SET next_check_at = now() - interval '1 second' WHERE id = $1`, ids[order[1]]); err != nil {
					t.Fatal(err)
				}
				if _, err := p.Server.Payments.ReconcileOnce(context.Background(), 10); err != nil {
					t.Fatal(err)
				}
			}

			dup, kept := ids[c.wantDuplicateI], ids[1-c.wantDuplicateI]
			st := p.waitIntegrity(t, r.Reservation.ID, "the duplicate recorded", func(s integrityState) bool {
				d := s.payment(dup)
				return d.Status == "DUPLICATE" && (c.keptForStaff || d.RefundedAmount.Amount == priceAmount)
			})
			if st.Status != "CONFIRMED" || st.PaymentStatus != "PAID" || st.payment(kept).Status != "PAID" {
				t.Fatalf("a reservation paid twice stays paid by its first settlement: %+v", st)
			}
			d := st.payment(dup)
			noted := false
			for _, h := range st.History {
				noted = noted || strings.Contains(h.Reason, "duplicate")
			}
			if !noted {
				t.Fatalf("staff are not told in the history: %+v", st.History)
			}
			sale, err := p.sim.Transaction(txs[c.wantDuplicateI])
			if err != nil {
				t.Fatal(err)
			}
			if c.keptForStaff {
				if len(d.Refunds) != 0 || len(sale.Refunds) != 0 {
					t.Fatalf("refunded although the business refunds duplicates itself: %+v, imoje %+v", d, sale.Refunds)
				}
				// Staff refund it; the reservation keeps its first payment.
				p.Must(p.owner.AccessToken, `mutation($id: UUID!) { refundPayment(input: {paymentId: $id}) { status } }`, map[string]any{"id": dup}, nil)
				after := p.waitIntegrity(t, r.Reservation.ID, "the duplicate refunded by staff", func(s integrityState) bool { return s.payment(dup).RefundedAmount.Amount == priceAmount })
				if after.PaymentStatus != "PAID" || after.Status != "CONFIRMED" || after.payment(dup).Refunds[0].Automatic {
					t.Fatalf("after staff refunded the duplicate: %+v", after)
				}
			} else {
				if len(d.Refunds) != 1 || d.Refunds[0].Status != "SETTLED" || !d.Refunds[0].Automatic || d.Refunds[0].Amount.Amount != priceAmount {
					t.Fatalf("duplicate's refunds: %+v", d)
				}
				if len(sale.Refunds) != 1 || sale.Refunds[0].Transaction.Amount != priceAmount || sale.Refunds[0].Transaction.Status != "settled" {
					t.Fatalf("imoje's refunds of the duplicate: %+v", sale.Refunds)
				}
				if other, _ := p.sim.Transaction(txs[1-c.wantDuplicateI]); len(other.Refunds) != 0 {
					t.Fatalf("the kept payment was refunded: %+v", other.Refunds)
				}
			}
			// The customer sees both payments with their states, through their own token.
			if cst := p.integrity(t, r.CustomerAccessToken, r.Reservation.ID); cst.payment(dup).Status != "DUPLICATE" || cst.payment(kept).Status != "PAID" {
				t.Fatalf("customer's view: %+v", cst)
			}
			// Staff's subscription heard the duplicate.
			deadline := time.Now().Add(5 * time.Second)
			for heard := false; !heard; {
				var ev paymentUpdated
				ws.next("pay", time.Until(deadline), &ev)
				heard = ev.PaymentUpdated.Payment != nil && ev.PaymentUpdated.Payment.ID == dup && ev.PaymentUpdated.Payment.Status == "DUPLICATE"
			}
			p.noNotificationRefused(t)
			want := 1 // stored once, however often imoje sent it
			if c.dropDuplicate {
				want = 0 // never arrived: reconciliation asked imoje
			}
			if n := p.Count(`SELECT count(*) FROM imoje_notifications WHERE payment_id = $1 AND imoje_status = 'settled' AND kind = 'sale'`, dup); n != want {
				t.Fatalf("the duplicate's settlement notification stored %d times, want %d", n, want)
			}
		})
	}
}

// TestCrashDuringCreationIsReconciled: slotpay wrote the payment and stopped before imoje's answer
// (the row stays CREATED), while imoje holds a real transaction for that order. Reconciliation does
// not declare it failed: it becomes UNKNOWN, the notification naming our order teaches its
// transaction, and reconciliation then asks imoje by that id (the settled notification was lost)
// and records the payment PAID. A crashed payment imoje never heard of fails only after its
// lifetime.
func TestCrashDuringCreationIsReconciled(t *testing.T) {
	t.Parallel()
	p := newIntegrityEnv(t, "crash")
	owner, err := p.DB.Owner()
	if err != nil {
		t.Fatal(err)
	}
	crashed := func(r createdReservation, validTo time.Time) string {
		t.Helper()
		id := uuid.NewString()
		if _, err := owner.Exec(context.Background(), `INSERT INTO payments (tenant_id, id, reservation_id, payment_method_id, channel, imoje_method,
				imoje_method_code, amount, currency, status, idempotency_key, request_hash, created_by, valid_to, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'PBL', 'pbl', 'ing', $5, 'PLN', 'CREATED', $7, '\x00', 'customer', $6, now() - interval '5 minutes', now() - interval '5 minutes')`,
			p.owner.TenantID, id, r.Reservation.ID, p.method, priceAmount, validTo, "crash-"+id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	r := p.book(t)
	id := crashed(r, time.Now().Add(25*time.Minute))
	shop := p.merchant.Shops[0]
	client := imoje.Client{BaseURL: p.simURL + "/v1/merchant", MerchantID: p.merchant.ID, Token: p.merchant.Token}
	tx, _, err := client.CreateTransaction(context.Background(), imoje.TransactionRequest{
		ServiceID: shop.ServiceID, Amount: priceAmount, Currency: "PLN", OrderID: id, Title: "crash", PaymentMethod: "pbl", PaymentMethodCode: "ing",
		SuccessReturnURL: "https://shop.example/ok", FailureReturnURL: "https://shop.example/fail", ValidTo: time.Now().Add(25 * time.Minute).Unix(),
		Customer: imoje.Customer{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Server.Payments.ReconcileOnce(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	st := p.integrity(t, r.CustomerAccessToken, r.Reservation.ID)
	if pay := st.payment(id); pay.Status != "UNKNOWN" || st.PaymentStatus != "PENDING" {
		t.Fatalf("a crashed payment after reconciliation: %+v (reservation %s)", pay, st.PaymentStatus)
	}
	// The payer reaches the bank: imoje's notification names our order and its transaction.
	p.outcome(t, tx.ID, imojesim.Outcome{Outcome: "pending"})
	p.waitIntegrity(t, r.Reservation.ID, "the transaction learned", func(s integrityState) bool {
		pay := s.payment(id)
		return pay.Status == "PENDING" && pay.ImojeTransactionID != nil && *pay.ImojeTransactionID == tx.ID
	})
	// The settled notification is lost; reconciliation asks imoje by the transaction id.
	if _, err := p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultDrop, TransactionID: tx.ID}); err != nil {
		t.Fatal(err)
	}
	p.outcome(t, tx.ID, imojesim.Outcome{Outcome: "settle"})
	if err := p.sim.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(context.Background(), `UPDATE payments SET next_check_at = now() - interval '1 second' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Server.Payments.ReconcileOnce(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	st = p.integrity(t, r.CustomerAccessToken, r.Reservation.ID)
	if st.payment(id).Status != "PAID" || st.Status != "CONFIRMED" || st.PaymentStatus != "PAID" {
		t.Fatalf("after reconciliation: %+v", st)
	}

	// One imoje never heard of: UNKNOWN while its lifetime lasts, FAILED after it (and the margin).
	other := p.book(t)
	lost := crashed(other, time.Now().Add(25*time.Minute))
	if _, err := p.Server.Payments.ReconcileOnce(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	if s := p.integrity(t, p.owner.AccessToken, other.Reservation.ID); s.payment(lost).Status != "UNKNOWN" {
		t.Fatalf("within its lifetime: %+v", s)
	}
	// An UNKNOWN payment is the reservation's active payment: the database allows no second one.
	if _, err := owner.Exec(context.Background(), `INSERT INTO payments (tenant_id, id, reservation_id, payment_method_id, channel, amount, currency,
			status, idempotency_key, request_hash, created_by) VALUES ($1, $2, $3, $4, 'PBL', $5, 'PLN', 'PENDING', $6, '\x00', 'customer')`,
		p.owner.TenantID, uuid.NewString(), other.Reservation.ID, p.method, priceAmount, "second-active"); err == nil || !strings.Contains(err.Error(), "payments_one_active") {
		t.Fatalf("a second active payment beside an UNKNOWN one: %v", err)
	}
	if _, err := owner.Exec(context.Background(), `UPDATE payments SET valid_to = now() - interval '16 minutes', next_check_at = now() - interval '1 second' WHERE id = $1`, lost); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Server.Payments.ReconcileOnce(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	s := p.integrity(t, p.owner.AccessToken, other.Reservation.ID)
	if pay := s.payment(lost); pay.Status != "FAILED" || pay.FailureCode == nil || *pay.FailureCode != "IMOJE_NO_ANSWER" || s.PaymentStatus != "FAILED" {
		t.Fatalf("after its lifetime: %+v", s)
	}
	// The customer may pay again.
	again := p.initiate(t, other.CustomerAccessToken, map[string]any{"reservationId": other.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "again"})
	if again.Status != "PENDING" {
		t.Fatalf("retry after a failed unknown payment: %+v", again)
	}
}

// TestSettlementForAnExpiredReservationIsRefunded: money that arrives after the hold expired is
// recorded (PAID) and refunded through imoje, and staff see it in the history.
func TestSettlementForAnExpiredReservationIsRefunded(t *testing.T) {
	t.Parallel()
	p := newIntegrityEnv(t, "late-money")
	r := p.book(t)
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "late"})
	owner, _ := p.DB.Owner()
	if _, err := owner.Exec(context.Background(), `UPDATE reservations SET hold_expires_at = now() - interval '1 minute' WHERE id = $1`, r.Reservation.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Server.Booking.ExpireDueHolds(context.Background(), 10); err != nil || n != 1 {
		t.Fatalf("expired %d (%v)", n, err)
	}
	p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	st := p.waitIntegrity(t, r.Reservation.ID, "the late money refunded", func(s integrityState) bool { return s.PaymentStatus == "REFUNDED" })
	if st.Status != "EXPIRED" || st.payment(pay.ID).Status != "PAID" || len(st.payment(pay.ID).Refunds) != 1 || !st.payment(pay.ID).Refunds[0].Automatic {
		t.Fatalf("late money: %+v", st)
	}
	told := false
	for _, h := range st.History {
		told = told || strings.Contains(h.Reason, "refunded automatically")
	}
	if !told {
		t.Fatalf("history %+v", st.History)
	}
	if sale, _ := p.sim.Transaction(*pay.ImojeTransactionID); len(sale.Refunds) != 1 || sale.Refunds[0].Transaction.Amount != priceAmount {
		t.Fatalf("imoje's refunds: %+v", sale.Refunds)
	}
	p.noNotificationRefused(t)
}

// TestOverRefundAndForeignTransactionNotificationsChangeNothing: refund notifications that would take
// back more than was paid, and a sale notification naming one payment's order with another
// payment's transaction, are stored as mismatches, answered ok (imoje stops retrying) and move
// nothing.
func TestOverRefundAndForeignTransactionNotificationsChangeNothing(t *testing.T) {
	t.Parallel()
	p := newIntegrityEnv(t, "mismatch")
	r, pay := p.paidReservation(t, "over")
	sale, err := p.sim.Transaction(*pay.ImojeTransactionID)
	if err != nil {
		t.Fatal(err)
	}
	refundAs := func(id, order string, amount int64, status string) []byte {
		tx := sale
		tx.Refunds = nil
		tx.ID, tx.Type, tx.Status, tx.Amount, tx.OrderID = id, "refund", status, amount, order
		body, _ := imojesim.EncodeNotification(imojesim.Notification{Transaction: &tx})
		return body
	}
	refund := func(amount int64, status string) []byte { return refundAs(uuid.NewString(), pay.ID, amount, status) }
	kept := uuid.NewString()
	// As in the review, scaled to this price (12,000): 13,000 + 6,000 + 7,000; and a pending 13,000.
	for _, b := range [][]byte{refund(13000, "settled"), refundAs(kept, pay.ID, 6000, "settled"), refund(7000, "settled"), refund(13000, "pending")} {
		if code, answer := postNotification(t, p.URL, p.sign(t, b), b); code != 200 || answer != `{"status":"ok"}` {
			t.Fatalf("answered %d %s", code, answer)
		}
	}
	st := p.integrity(t, p.owner.AccessToken, r.Reservation.ID)
	got := st.payment(pay.ID)
	if got.RefundedAmount.Amount != 6000 || len(got.Refunds) != 1 || got.Refunds[0].Status != "SETTLED" || got.Refunds[0].Amount.Amount != 6000 || st.PaymentStatus != "PARTIALLY_REFUNDED" {
		t.Fatalf("after over-refund notifications: %+v", st)
	}
	if n := p.Count(`SELECT count(*) FROM imoje_notifications WHERE kind = 'refund' AND outcome = 'MISMATCH' AND payment_id = $1`, pay.ID); n != 3 {
		t.Fatalf("%d over-refunds kept as mismatches, want 3", n)
	}
	// The settled refund's id named with another payment's order is not that payment's refund.
	r2, pay2 := p.paidReservation(t, "over-2")
	b := refundAs(kept, pay2.ID, 6000, "settled")
	if code, answer := postNotification(t, p.URL, p.sign(t, b), b); code != 200 || answer != `{"status":"ok"}` {
		t.Fatalf("answered %d %s", code, answer)
	}
	if s := p.integrity(t, p.owner.AccessToken, r2.Reservation.ID); s.PaymentStatus != "PAID" || len(s.payment(pay2.ID).Refunds) != 0 {
		t.Fatalf("another payment's refund moved a payment: %+v", s)
	}

	// A sale notification naming X's order with Y's transaction.
	x, y := p.book(t), p.book(t)
	xPay := p.initiate(t, x.CustomerAccessToken, map[string]any{"reservationId": x.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "x"})
	yPay := p.initiate(t, y.CustomerAccessToken, map[string]any{"reservationId": y.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "y"})
	yTx, err := p.sim.Transaction(*yPay.ImojeTransactionID)
	if err != nil {
		t.Fatal(err)
	}
	yTx.OrderID, yTx.Status = xPay.ID, "settled"
	body, _ := imojesim.EncodeNotification(imojesim.Notification{Transaction: &yTx})
	if code, answer := postNotification(t, p.URL, p.sign(t, body), body); code != 200 || answer != `{"status":"ok"}` {
		t.Fatalf("answered %d %s", code, answer)
	}
	for _, c := range []struct{ r, pay string }{{x.Reservation.ID, xPay.ID}, {y.Reservation.ID, yPay.ID}} {
		s := p.integrity(t, p.owner.AccessToken, c.r)
		if s.PaymentStatus != "PENDING" || s.payment(c.pay).Status != "PENDING" {
			t.Fatalf("a foreign transaction id moved a payment: %+v", s)
		}
	}
	var outcome, detail string
	owner, _ := p.DB.Owner()
	if err := owner.QueryRow(context.Background(), `SELECT outcome, detail FROM imoje_notifications WHERE payment_id = $1 AND imoje_id = $2`, xPay.ID, yTx.ID).
		Scan(&outcome, &detail); err != nil || outcome != "MISMATCH" || !strings.Contains(detail, *xPay.ImojeTransactionID) {
		t.Fatalf("stored %q %q (%v)", outcome, detail, err)
	}
	// A payment that has no transaction yet (a card payment link) named with Y's transaction: Y's
	// id is taken, so this is a mismatch too (it used to fail on the unique index, 5xx forever).
	z := p.book(t)
	zPay := p.initiate(t, z.CustomerAccessToken, map[string]any{"reservationId": z.Reservation.ID, "channel": "CARD", "idempotencyKey": "z"})
	yTx.OrderID = zPay.ID
	body, _ = imojesim.EncodeNotification(imojesim.Notification{Transaction: &yTx})
	if code, answer := postNotification(t, p.URL, p.sign(t, body), body); code != 200 || answer != `{"status":"ok"}` {
		t.Fatalf("answered %d %s", code, answer)
	}
	if s := p.integrity(t, p.owner.AccessToken, z.Reservation.ID); s.PaymentStatus != "PENDING" || s.payment(zPay.ID).Status != "PENDING" || s.payment(zPay.ID).ImojeTransactionID != nil {
		t.Fatalf("another payment's transaction moved a payment link: %+v", s)
	}
	if n := p.Count(`SELECT count(*) FROM imoje_notifications WHERE outcome = 'MISMATCH'`); n != 6 {
		t.Fatalf("%d mismatches visible to the operator, want 6", n)
	}
}

// TestAutomaticRefundIsSentAgain: imoje fails slotpay's automatic refund (5xx); the refund stays
// REQUESTED and reconciliation sends it again once its time has passed, until imoje makes it.
func TestAutomaticRefundIsSentAgain(t *testing.T) {
	t.Parallel()
	p := newIntegrityEnv(t, "refund-again")
	r := p.book(t)
	pay := p.initiate(t, r.CustomerAccessToken, map[string]any{"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": "again"})
	p.Must(r.CustomerAccessToken, `mutation($id: UUID!) { cancelReservation(id: $id, reason: "changed my mind") { status } }`, map[string]any{"id": r.Reservation.ID}, nil)
	if _, err := p.sim.AddFault(imojesim.Fault{Kind: imojesim.FaultAPIError, Calls: []string{imojesim.CallRefund}, StatusCode: 503, Times: 1}); err != nil {
		t.Fatal(err)
	}
	p.outcome(t, *pay.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
	owner, _ := p.DB.Owner()
	deadline := time.Now().Add(5 * time.Second)
	for p.Count(`SELECT count(*) FROM refunds WHERE payment_id = $1 AND status = 'REQUESTED' AND failure_message LIKE '%503%'`, pay.ID) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the failed automatic refund: %+v", p.integrity(t, p.owner.AccessToken, r.Reservation.ID))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if sale, _ := p.sim.Transaction(*pay.ImojeTransactionID); len(sale.Refunds) != 0 {
		t.Fatalf("imoje made a refund it refused: %+v", sale.Refunds)
	}
	// Its time (and the imoje call's grace) passes; reconciliation sends it again.
	if _, err := owner.Exec(context.Background(), `UPDATE refunds SET not_before = now() - interval '1 hour', created_at = now() - interval '1 hour' WHERE payment_id = $1`, pay.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Server.Payments.ReconcileOnce(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	st := p.waitIntegrity(t, r.Reservation.ID, "the refund made", func(s integrityState) bool { return s.PaymentStatus == "REFUNDED" })
	if got := st.payment(pay.ID); st.Status != "CANCELLED" || len(got.Refunds) != 1 || got.Refunds[0].Status != "SETTLED" {
		t.Fatalf("after the second attempt: %+v", st)
	}
	if sale, _ := p.sim.Transaction(*pay.ImojeTransactionID); len(sale.Refunds) != 1 {
		t.Fatalf("imoje's refunds: %+v", sale.Refunds)
	}
}
