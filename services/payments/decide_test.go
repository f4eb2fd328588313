package payments

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/imoje"
)

func TestDecideSale(t *testing.T) {
	now := time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)
	shop := uuid.New()
	txID, otherTx, linkID := uuid.New(), uuid.New(), uuid.New()
	other := models.Payment{ID: uuid.New(), Status: models.PaymentStatePending}
	otherPaid := models.Payment{ID: uuid.New(), Status: models.PaymentStatePaid}
	payment := func(state models.PaymentState, mut ...func(*models.Payment)) *models.Payment {
		p := &models.Payment{ID: uuid.New(), Channel: ChannelPBL, Amount: 5000, Currency: "PLN", Status: state}
		for _, m := range mut {
			m(p)
		}
		return p
	}
	knownTx := func(p *models.Payment) { p.ImojeTransactionID = &txID }
	asLink := func(p *models.Payment) { p.Channel, p.ImojePaymentID = ChannelCard, &linkID }
	sale := func(status string, mut ...func(*imoje.Transaction)) *imoje.Transaction {
		tr := &imoje.Transaction{ID: txID.String(), Type: "sale", Status: status, ServiceID: shop.String(), Amount: 5000, Currency: "PLN"}
		for _, m := range mut {
			m(tr)
		}
		return tr
	}
	view := func(rs models.ReservationStatus, ps models.PaymentStatus) *booking.PaymentView {
		return &booking.PaymentView{Status: rs, PaymentStatus: ps}
	}
	open := view(models.StatusPendingPayment, models.PaymentPending)
	// A deposit of 3000 paid by depositPaid; the balance of 5000 (the test's sale amount) is due.
	depositPaid := models.Payment{ID: uuid.New(), Status: models.PaymentStatePaid, Amount: 3000}
	depositView := &booking.PaymentView{Status: models.StatusConfirmed, PaymentStatus: models.PaymentPartiallyPaid,
		Balance: models.Balance{Due: 8000, Deposit: 3000, Paid: 3000, Owing: true}}
	balanceStage := func(p *models.Payment) { p.PaidBefore = 3000 }
	cases := []struct {
		name       string
		pay        *models.Payment
		ctx        saleContext
		tx         *imoje.Transaction
		outcome    string
		target     models.PaymentState // "" = not moved
		follow     bool
		refund     bool
		supersedes int
		note       bool
	}{
		{"settled pays the reservation", payment(models.PaymentStatePending, knownTx), saleContext{view: open}, sale("settled"),
			OutcomeApplied, models.PaymentStatePaid, true, false, 0, false},
		{"another shop is a mismatch", payment(models.PaymentStatePending), saleContext{view: open}, sale("settled", func(t *imoje.Transaction) { t.ServiceID = uuid.NewString() }),
			OutcomeMismatch, "", false, false, 0, false},
		{"another amount is a mismatch", payment(models.PaymentStatePending), saleContext{view: open}, sale("settled", func(t *imoje.Transaction) { t.Amount = 1 }),
			OutcomeMismatch, "", false, false, 0, false},
		{"another currency is a mismatch", payment(models.PaymentStatePending), saleContext{view: open}, sale("settled", func(t *imoje.Transaction) { t.Currency = "EUR" }),
			OutcomeMismatch, "", false, false, 0, false},
		{"another transaction id than the known one is a mismatch", payment(models.PaymentStatePending, knownTx), saleContext{view: open},
			sale("settled", func(t *imoje.Transaction) { t.ID = otherTx.String() }), OutcomeMismatch, "", false, false, 0, false},
		{"another payment link than the known one is a mismatch", payment(models.PaymentStatePending, asLink), saleContext{view: open, linkID: uuid.NewString()},
			sale("settled"), OutcomeMismatch, "", false, false, 0, false},
		{"a link's second transaction may settle it", payment(models.PaymentStatePending, asLink, knownTx), saleContext{view: open, linkID: linkID.String()},
			sale("settled", func(t *imoje.Transaction) { t.ID = otherTx.String() }), OutcomeApplied, models.PaymentStatePaid, true, false, 0, false},
		{"a transaction another payment already has is a mismatch", payment(models.PaymentStateUnknown), saleContext{view: open, transactionOf: &other.ID},
			sale("settled"), OutcomeMismatch, "", false, false, 0, false},
		{"a failed attempt on a link keeps it pending", payment(models.PaymentStatePending, asLink), saleContext{view: open, linkID: linkID.String()},
			sale("rejected"), OutcomeNoChange, "", false, false, 0, false},
		{"late pending after paid is stale", payment(models.PaymentStatePaid, knownTx), saleContext{view: view(models.StatusConfirmed, models.PaymentPaid)}, sale("pending"),
			OutcomeStale, "", false, false, 0, false},
		{"settled again on a paid payment changes nothing", payment(models.PaymentStatePaid, knownTx), saleContext{view: view(models.StatusConfirmed, models.PaymentPaid)}, sale("settled"),
			OutcomeNoChange, "", false, false, 0, false},
		{"unknown learns it is pending", payment(models.PaymentStateUnknown), saleContext{view: open}, sale("pending"),
			OutcomeApplied, models.PaymentStatePending, false, false, 0, false},
		{"unknown that settles pays", payment(models.PaymentStateUnknown), saleContext{view: open}, sale("settled"),
			OutcomeApplied, models.PaymentStatePaid, true, false, 0, false},
		{"created that is rejected fails the reservation's payment", payment(models.PaymentStateCreated), saleContext{view: open}, sale("rejected"),
			OutcomeApplied, models.PaymentStateFailed, true, false, 0, false},
		{"failed (no word within its lifetime) that settles after all pays", payment(models.PaymentStateFailed), saleContext{view: view(models.StatusPendingPayment, models.PaymentFailed)}, sale("settled"),
			OutcomeApplied, models.PaymentStatePaid, true, false, 0, false},
		{"failed that is pending stays failed", payment(models.PaymentStateFailed, knownTx), saleContext{view: open}, sale("pending"),
			OutcomeStale, "", false, false, 0, false},
		{"superseded that is pending stays superseded", payment(models.PaymentStateSuperseded), saleContext{view: open, others: []models.Payment{other}}, sale("pending"),
			OutcomeNoChange, "", false, false, 0, false},
		{"superseded that fails does not fail the reservation", payment(models.PaymentStateSuperseded), saleContext{view: open, others: []models.Payment{other}}, sale("rejected"),
			OutcomeApplied, models.PaymentStateFailed, false, false, 0, false},
		{"first settlement wins: the unsettled newer payment is superseded", payment(models.PaymentStateSuperseded), saleContext{view: open, others: []models.Payment{other}, autoRefund: true},
			sale("settled"), OutcomeApplied, models.PaymentStatePaid, true, false, 1, false},
		{"a settlement after another payment paid is a duplicate, refunded", payment(models.PaymentStateSuperseded), saleContext{view: view(models.StatusConfirmed, models.PaymentPaid), others: []models.Payment{otherPaid}, autoRefund: true},
			sale("settled"), OutcomeApplied, models.PaymentStateDuplicate, false, true, 0, true},
		{"a duplicate kept for staff when the business says so", payment(models.PaymentStateSuperseded), saleContext{view: view(models.StatusConfirmed, models.PaymentPaid), others: []models.Payment{otherPaid}},
			sale("settled"), OutcomeApplied, models.PaymentStateDuplicate, false, false, 0, true},
		{"a settlement for a reservation paid by hand is a duplicate", payment(models.PaymentStateFailed), saleContext{view: view(models.StatusConfirmed, models.PaymentPaid), autoRefund: true},
			sale("settled"), OutcomeApplied, models.PaymentStateDuplicate, false, true, 0, true},
		{"a settlement for a refunded reservation is a duplicate", payment(models.PaymentStateCancelled), saleContext{view: view(models.StatusCancelled, models.PaymentRefunded), autoRefund: true},
			sale("settled"), OutcomeApplied, models.PaymentStateDuplicate, false, true, 0, true},
		{"a settlement for an expired reservation is recorded, then refunded", payment(models.PaymentStatePending, knownTx), saleContext{view: view(models.StatusExpired, models.PaymentPending), autoRefund: true},
			sale("settled"), OutcomeApplied, models.PaymentStatePaid, true, true, 0, false},
		{"a settlement for a cancelled reservation is kept for staff when the business says so", payment(models.PaymentStatePending, knownTx), saleContext{view: view(models.StatusCancelled, models.PaymentPending)},
			sale("settled"), OutcomeApplied, models.PaymentStatePaid, true, false, 0, false},
		{"a late payment of a completed reservation is kept", payment(models.PaymentStatePending, knownTx), saleContext{view: view(models.StatusCompleted, models.PaymentPending), autoRefund: true},
			sale("settled"), OutcomeApplied, models.PaymentStatePaid, true, false, 0, false},
		{"the balance after a deposit pays: not a duplicate, the deposit stays paid", payment(models.PaymentStatePending, knownTx, balanceStage),
			saleContext{view: depositView, others: []models.Payment{depositPaid}, autoRefund: true},
			sale("settled"), OutcomeApplied, models.PaymentStatePaid, true, false, 0, false},
		{"a second deposit charge is a duplicate, refunded", payment(models.PaymentStateSuperseded, knownTx),
			saleContext{view: depositView, others: []models.Payment{depositPaid}, autoRefund: true},
			sale("settled"), OutcomeApplied, models.PaymentStateDuplicate, false, true, 0, true},
		{"a deposit charge after more was paid since it started is a duplicate", payment(models.PaymentStateFailed, knownTx),
			saleContext{view: depositView, autoRefund: true},
			sale("settled"), OutcomeApplied, models.PaymentStateDuplicate, false, true, 0, true},
		{"a balance charge after the balance was recorded paid by staff is a duplicate", payment(models.PaymentStatePending, knownTx, balanceStage),
			saleContext{view: view(models.StatusConfirmed, models.PaymentPaid), others: []models.Payment{depositPaid}, autoRefund: true},
			sale("settled"), OutcomeApplied, models.PaymentStateDuplicate, false, true, 0, true},
		{"a duplicate settled again changes nothing", payment(models.PaymentStateDuplicate, knownTx), saleContext{view: view(models.StatusConfirmed, models.PaymentPaid), autoRefund: true},
			sale("settled"), OutcomeNoChange, "", false, false, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.ctx.serviceID = shop
			d := decideSale(now, c.pay, c.ctx, c.tx)
			if d.outcome != c.outcome {
				t.Fatalf("outcome %s (%s), want %s", d.outcome, d.detail, c.outcome)
			}
			if c.outcome == OutcomeMismatch && d.updates != nil {
				t.Fatalf("a mismatch updates %v", d.updates)
			}
			if (c.target != "") != d.moved || (d.moved && d.target != c.target) {
				t.Fatalf("moved %v to %s, want %q", d.moved, d.target, c.target)
			}
			if d.moved && d.updates["status"] != c.target {
				t.Fatalf("status update %v, want %s", d.updates["status"], c.target)
			}
			if wantPaid := int64(0); d.target == models.PaymentStatePaid && d.moved {
				if wantPaid = c.pay.Amount; d.paid != wantPaid {
					t.Fatalf("paid %d, want the payment's %d", d.paid, wantPaid)
				}
			} else if d.paid != 0 {
				t.Fatalf("a %s payment pays the reservation %d", d.target, d.paid)
			}
			if d.follow != c.follow || d.refund != c.refund || len(d.supersede) != c.supersedes || (d.note != "") != c.note {
				t.Fatalf("follow %v refund %v supersede %v note %q; want %v %v %d %v", d.follow, d.refund, d.supersede, d.note, c.follow, c.refund, c.supersedes, c.note)
			}
		})
	}
}

func TestDecideUnanswered(t *testing.T) {
	created := time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)
	validTo := created.Add(30 * time.Minute)
	const grace, margin = time.Minute, 15 * time.Minute
	cases := []struct {
		name  string
		state models.PaymentState
		valid *time.Time
		at    time.Duration // after created
		want  models.PaymentState
	}{
		{"created, its call may still be answered", models.PaymentStateCreated, &validTo, 30 * time.Second, ""},
		{"created, its answer was lost: unknown, not failed", models.PaymentStateCreated, &validTo, 2 * time.Minute, models.PaymentStateUnknown},
		{"unknown within its lifetime waits", models.PaymentStateUnknown, &validTo, 40 * time.Minute, ""},
		{"unknown past its lifetime and the margin fails", models.PaymentStateUnknown, &validTo, 46 * time.Minute, models.PaymentStateFailed},
		{"superseded past its lifetime fails", models.PaymentStateSuperseded, &validTo, 46 * time.Minute, models.PaymentStateFailed},
		{"created past its lifetime fails", models.PaymentStateCreated, &validTo, 46 * time.Minute, models.PaymentStateFailed},
		{"no recorded lifetime: imoje's default hour", models.PaymentStateUnknown, nil, 70 * time.Minute, ""},
		{"no recorded lifetime, past the hour and the margin", models.PaymentStateUnknown, nil, 76 * time.Minute, models.PaymentStateFailed},
		{"pending is asked by its id, never here", models.PaymentStatePending, &validTo, 50 * time.Minute, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pay := &models.Payment{Status: c.state, CreatedAt: created, ValidTo: c.valid}
			if got, _ := decideUnanswered(created.Add(c.at), pay, grace, margin); got != c.want {
				t.Fatalf("%q, want %q", got, c.want)
			}
		})
	}
}

func TestOverRefund(t *testing.T) {
	pay := &models.Payment{Amount: 5000, RefundedAmount: 3000}
	for _, c := range []struct {
		amount int64
		want   bool
	}{{2000, false}, {2001, true}, {6000, true}, {1, false}} {
		if got := overRefund(pay, c.amount); got != c.want {
			t.Errorf("refund of %d after 3000 of 5000: %v, want %v", c.amount, got, c.want)
		}
	}
}

func TestRefundFailed(t *testing.T) {
	for _, c := range []struct {
		name      string
		err       error
		automatic bool
		want      bool
	}{
		{"no answer: it may have been made", &imoje.APIError{Message: "timeout"}, false, false},
		{"no answer, automatic", &imoje.APIError{Message: "timeout"}, true, false},
		{"refused", &imoje.APIError{Status: 422}, false, true},
		{"refused, automatic", &imoje.APIError{Status: 422}, true, true},
		{"imoje's 5xx: staff retry", &imoje.APIError{Status: 500}, false, true},
		{"imoje's 5xx, automatic: reconciliation sends it again", &imoje.APIError{Status: 503}, true, false},
	} {
		if got := refundFailed(c.err, c.automatic); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
