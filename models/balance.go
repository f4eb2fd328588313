package models

// Balance is a reservation's money, the one place it is derived from the reservation's columns:
// what is owed, what must be paid up front, what paid it and what went back. Every amount is in
// minor units of the reservation's currency.
type Balance struct {
	// Due is the total owed for the visit: the price at booking.
	Due int64
	// Deposit is the deposit snapshotted at booking; 0 when there is none (the price is paid up front).
	Deposit int64
	// Paid is what paid the reservation: settled online payments and what staff recorded as paid at
	// the venue. Refunded is the settled refunds of those payments (never more than Paid).
	Paid, Refunded int64
	// Owing: the reservation may still be paid (REQUESTED, PENDING_PAYMENT, CONFIRMED, COMPLETED). A
	// cancelled, declined, expired or no-show reservation owes nothing, whatever was paid.
	Owing bool
}

// Balance is r's money.
func (r *Reservation) Balance() Balance {
	b := Balance{Due: r.PriceAmount, Paid: r.PaidAmount, Refunded: r.RefundedAmount}
	if r.DepositAmount != nil {
		b.Deposit = *r.DepositAmount
	}
	switch r.Status {
	case StatusRequested, StatusPendingPayment, StatusConfirmed, StatusCompleted:
		b.Owing = true
	}
	return b
}

// Net is what the business holds: paid minus refunded.
func (b Balance) Net() int64 { return b.Paid - b.Refunded }

// BalanceDue is what is still owed: the price minus the net paid, never below zero; zero when the
// reservation owes nothing any more.
func (b Balance) BalanceDue() int64 {
	if !b.Owing {
		return 0
	}
	return max(0, b.Due-b.Net())
}

// Overpaid is what the business holds beyond the price (a price lowered after payment): staff may
// refund it. Zero when nothing is over.
func (b Balance) Overpaid() int64 { return max(0, b.Net()-b.Due) }

// Upfront is what confirms the reservation: the deposit when there is one, else the whole price.
func (b Balance) Upfront() int64 {
	if b.Deposit > 0 {
		return b.Deposit
	}
	return b.Due
}

// Secured reports that what confirms the reservation is paid (the deposit, or the whole price).
func (b Balance) Secured() bool { return b.Paid > 0 && b.Net() >= b.Upfront() }

// NextDue is what a payment started now pays: the deposit while nothing is paid and one is asked,
// otherwise the balance due (0: nothing is due). deposit reports which.
func (b Balance) NextDue() (amount int64, deposit bool) {
	if b.Owing && b.Paid == 0 && b.Deposit > 0 && b.Deposit < b.Due {
		return b.Deposit, true
	}
	return b.BalanceDue(), false
}

// MoneyStatus is the payment status the money says once some arrived (ok false while nothing was
// ever paid: then the payment attempts decide it). Refunds come last: any refund makes it
// PARTIALLY_REFUNDED, all of it REFUNDED; before that PAID when the net paid covers the price, else
// PARTIALLY_PAID.
func (b Balance) MoneyStatus() (status PaymentStatus, ok bool) {
	switch {
	case b.Paid <= 0:
		return "", false
	case b.Refunded >= b.Paid:
		return PaymentRefunded, true
	case b.Refunded > 0:
		return PaymentPartiallyRefunded, true
	case b.Paid >= b.Due:
		return PaymentPaid, true
	}
	return PaymentPartiallyPaid, true
}

// DepositFor is the deposit a reservation of a service at price snapshots: a FIXED amount, or a
// PERCENT of the price rounded half up to whole minor units (nil: none). A deposit that would not
// be below the price, or rounds to nothing, is none: the whole price is paid up front.
func DepositFor(kind DepositKind, value, price int64) *int64 {
	var d int64
	switch kind {
	case DepositFixed:
		d = value
	case DepositPercent:
		d = (price*value + 50) / 100
	default:
		return nil
	}
	if d <= 0 || d >= price {
		return nil
	}
	return &d
}

// Money values of the balance for GraphQL (Reservation.amountDue and the rest).

// AmountDue is the total owed (the price).
func (r *Reservation) AmountDue() Money { return r.money(r.PriceAmount) }

// DepositDue is the deposit snapshotted at booking; nil when there is none.
func (r *Reservation) DepositDue() *Money {
	if r.DepositAmount == nil {
		return nil
	}
	m := r.money(*r.DepositAmount)
	return &m
}

// AmountPaid is what paid the reservation.
func (r *Reservation) AmountPaid() Money { return r.money(r.PaidAmount) }

// AmountRefunded is what of it was refunded.
func (r *Reservation) AmountRefunded() Money { return r.money(r.RefundedAmount) }

// BalanceDue is what is still owed.
func (r *Reservation) BalanceDue() Money { return r.money(r.Balance().BalanceDue()) }

// OverpaidAmount is what was paid beyond the price; nil when nothing.
func (r *Reservation) OverpaidAmount() *Money {
	over := r.Balance().Overpaid()
	if over == 0 {
		return nil
	}
	m := r.money(over)
	return &m
}

func (r *Reservation) money(amount int64) Money {
	return Money{Amount: int(amount), Currency: r.Currency}
}
