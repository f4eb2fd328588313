package ratelimit

import "time"

// Limits are the rules slotpay applies; each names what one bucket counts. The log-in rules count
// failed attempts: a successful one costs 1/FailureCost of a failure (an attempt is charged as a
// failure before the password is checked, and a success gets the difference back).
type Limits struct {
	// FailureCost is how many successful attempts one failure weighs.
	FailureCost int
	// LogInIP: failed log-ins (and invitation acceptances proving a password) from one client IP,
	// whatever the account.
	LogInIP Limit
	// LogInAccountIP: failed log-ins to one e-mail from one client IP. This is the lock-out an
	// attacker meets; it never touches the owner's own address.
	LogInAccountIP Limit
	// LogInAccount: failed log-ins to one e-mail from anywhere: a ceiling on distributed guessing,
	// loose enough to only slow the owner down, and refilled after a cool-down.
	LogInAccount Limit
	// SignUpIP and SignUpEmail: sign-up attempts (each hashes a password) per client IP and per e-mail.
	SignUpIP, SignUpEmail Limit
	// RefreshIP: refresh-token rotations and log-outs per client IP (failures weigh FailureCost).
	RefreshIP Limit
	// InvitationIP: invitation acceptances per client IP (failures weigh FailureCost).
	InvitationIP Limit
	// BookingIP: public createReservation and customer cancelReservation per client IP;
	// BookingEmail: public createReservation per business and customer e-mail.
	BookingIP, BookingEmail Limit
	// PaymentIP: initiatePayment by customers per client IP; PaymentReservation: per reservation.
	PaymentIP, PaymentReservation Limit
	// CalendarFeed: fetches of one calendar feed (its secret URL), and of per-reservation calendar
	// files per client IP.
	CalendarFeed Limit
	// MyBookingsIP: requests for and redemptions of a "my bookings" link per client IP;
	// MyBookingsEmail: requests per business and e-mail (each may send an e-mail).
	MyBookingsIP, MyBookingsEmail Limit
}

// DefaultLimits are production's rules: an attacker at one address gets 5 guesses at an account,
// then one every 3 minutes; 30 guesses in all, then 2 a minute; an account takes at most 30
// failures an hour from everywhere together, so its owner, after the attack stops, waits at most
// two minutes for the next attempt. A customer books up to 20 times per 10 minutes from one
// address, and 5 times with one e-mail at one business.
func DefaultLimits() Limits {
	return Limits{
		FailureCost:        5,
		LogInIP:            Limit{N: 30, Per: 15 * time.Minute},
		LogInAccountIP:     Limit{N: 5, Per: 15 * time.Minute},
		LogInAccount:       Limit{N: 30, Per: time.Hour},
		SignUpIP:           Limit{N: 10, Per: time.Hour},
		SignUpEmail:        Limit{N: 5, Per: time.Hour},
		RefreshIP:          Limit{N: 60, Per: 15 * time.Minute},
		InvitationIP:       Limit{N: 10, Per: 15 * time.Minute},
		BookingIP:          Limit{N: 20, Per: 10 * time.Minute},
		BookingEmail:       Limit{N: 5, Per: 10 * time.Minute},
		PaymentIP:          Limit{N: 20, Per: 10 * time.Minute},
		PaymentReservation: Limit{N: 10, Per: 10 * time.Minute},
		CalendarFeed:       Limit{N: 60, Per: time.Hour},
		MyBookingsIP:       Limit{N: 20, Per: 15 * time.Minute},
		MyBookingsEmail:    Limit{N: 3, Per: 15 * time.Minute},
	}
}
