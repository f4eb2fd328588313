package models

import "testing"

func TestBalance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		b                      Balance
		balanceDue, overpaid   int64
		next                   int64
		nextIsDeposit, secured bool
		status                 PaymentStatus
		statusFromMoney        bool
	}{
		{"nothing paid, no deposit", Balance{Due: 10000, Owing: true}, 10000, 0, 10000, false, false, "", false},
		{"nothing paid, deposit", Balance{Due: 10000, Deposit: 3000, Owing: true}, 10000, 0, 3000, true, false, "", false},
		{"deposit paid", Balance{Due: 10000, Deposit: 3000, Paid: 3000, Owing: true}, 7000, 0, 7000, false, true, PaymentPartiallyPaid, true},
		{"less than the deposit", Balance{Due: 10000, Deposit: 3000, Paid: 2000, Owing: true}, 8000, 0, 8000, false, false, PaymentPartiallyPaid, true},
		{"deposit and balance paid", Balance{Due: 10000, Deposit: 3000, Paid: 10000, Owing: true}, 0, 0, 0, false, true, PaymentPaid, true},
		{"paid in full at once", Balance{Due: 10000, Paid: 10000, Owing: true}, 0, 0, 0, false, true, PaymentPaid, true},
		{"price lowered after payment", Balance{Due: 8000, Paid: 10000, Owing: true}, 0, 2000, 0, false, true, PaymentPaid, true},
		{"price raised after payment", Balance{Due: 12000, Paid: 10000, Owing: true}, 2000, 0, 2000, false, false, PaymentPartiallyPaid, true},
		{"part refunded", Balance{Due: 10000, Paid: 10000, Refunded: 4000, Owing: true}, 4000, 0, 4000, false, false, PaymentPartiallyRefunded, true},
		{"deposit refunded", Balance{Due: 10000, Deposit: 3000, Paid: 3000, Refunded: 3000, Owing: true}, 10000, 0, 10000, false, false, PaymentRefunded, true},
		{"all refunded", Balance{Due: 10000, Paid: 10000, Refunded: 10000, Owing: true}, 10000, 0, 10000, false, false, PaymentRefunded, true},
		{"cancelled owes nothing", Balance{Due: 10000, Deposit: 3000, Paid: 3000}, 0, 0, 0, false, true, PaymentPartiallyPaid, true},
		{"cancelled, unpaid", Balance{Due: 10000, Deposit: 3000}, 0, 0, 0, false, false, "", false},
		{"overpaid after refund of the excess", Balance{Due: 8000, Paid: 10000, Refunded: 2000, Owing: true}, 0, 0, 0, false, true, PaymentPartiallyRefunded, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.b.BalanceDue(); got != tc.balanceDue {
				t.Errorf("BalanceDue = %d, want %d", got, tc.balanceDue)
			}
			if got := tc.b.Overpaid(); got != tc.overpaid {
				t.Errorf("Overpaid = %d, want %d", got, tc.overpaid)
			}
			next, dep := tc.b.NextDue()
			if next != tc.next || dep != tc.nextIsDeposit {
				t.Errorf("NextDue = %d, %v, want %d, %v", next, dep, tc.next, tc.nextIsDeposit)
			}
			if got := tc.b.Secured(); got != tc.secured {
				t.Errorf("Secured = %v, want %v", got, tc.secured)
			}
			st, ok := tc.b.MoneyStatus()
			if st != tc.status || ok != tc.statusFromMoney {
				t.Errorf("MoneyStatus = %q, %v, want %q, %v", st, ok, tc.status, tc.statusFromMoney)
			}
		})
	}
}

func TestDepositFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		kind         DepositKind
		value, price int64
		want         int64 // 0: none
	}{
		{"none", DepositNone, 0, 10000, 0},
		{"fixed", DepositFixed, 3000, 10000, 3000},
		{"fixed not below the price", DepositFixed, 10000, 10000, 0},
		{"percent exact", DepositPercent, 30, 10000, 3000},
		{"percent rounds half up", DepositPercent, 50, 12345, 6173},       // 6172.5
		{"percent rounds down below half", DepositPercent, 33, 1001, 330}, // 330.33
		{"percent rounds to nothing", DepositPercent, 1, 10, 0},           // 0.1
		{"percent rounds to the whole price", DepositPercent, 99, 1, 0},   // 0.99 -> 1
		{"free service", DepositPercent, 30, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := DepositFor(tc.kind, tc.value, tc.price)
			switch {
			case tc.want == 0 && got != nil:
				t.Errorf("DepositFor = %d, want none", *got)
			case tc.want != 0 && (got == nil || *got != tc.want):
				t.Errorf("DepositFor = %v, want %d", got, tc.want)
			}
		})
	}
}
