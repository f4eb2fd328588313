package customers

import (
	"strings"

	"github.com/google/uuid"
)

// How a booking finds its customer. Two writings of one address or one phone number must meet on
// one record, and two people must never be merged by a guess, so only the transformations that are
// safe for every provider and every country are made:
//
//   - e-mail: surrounding spaces are dropped and the whole address is lower-cased. The local part
//     is case-sensitive by the letter of RFC 5321, but no provider in use treats it so, and every
//     address here is already lower-cased at booking (tenancy.NormalizeEmail). Gmail's dots and
//     plus-tags are NOT removed: they are Gmail's rules (and some other providers'), not the
//     address's, and "jan.kowalski@firma.pl" and "jankowalski@firma.pl" may be two people.
//   - phone: everything but digits is dropped (spaces, dashes, dots, parentheses), "00" becomes
//     "+", and a number written without a country code is Polish (+48): nine digits not starting
//     with 0, or eleven starting with 48. The result is E.164 ("+48600100200") when it has 8 to 15
//     digits after the "+"; anything else keeps its digits only, so it still matches itself.
//
// customers_normalize_phone (migrations/00011_customers.sql) is the SQL twin used by the migration's
// backfill; TestNormalizePhoneMatchesTheMigration runs both over the same table.

// NormalizeEmail is the form of an e-mail address that customers are matched by.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// NormalizePhone is the form of a phone number that customers are matched by ("" for none).
func NormalizePhone(phone string) string {
	trimmed := strings.TrimSpace(phone)
	var b strings.Builder
	for _, r := range trimmed {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if d == "" {
		return ""
	}
	plus := strings.HasPrefix(trimmed, "+")
	if !plus && strings.HasPrefix(d, "00") {
		d, plus = d[2:], true
	}
	switch {
	case plus && len(d) >= 8 && len(d) <= 15 && d[0] != '0':
		return "+" + d
	case plus:
	case len(d) == 9 && d[0] != '0':
		return "+48" + d
	case len(d) == 11 && strings.HasPrefix(d, "48") && d[2] != '0':
		return "+" + d
	}
	if len(d) > 16 {
		d = d[:16]
	}
	return d
}

// Candidate is an existing customer that a booking's e-mail or phone matched.
type Candidate struct {
	ID              uuid.UUID
	EmailNormalized string
	PhoneNormalized *string
}

// Choose decides which customer a booking by email and phone (both normalised) belongs to: the one
// with that e-mail, else the oldest with that phone (candidates come oldest first), else none (a
// new customer). Candidates are one business's: a match never crosses businesses.
func Choose(candidates []Candidate, email, phone string) (id uuid.UUID, found bool) {
	for _, c := range candidates {
		if c.EmailNormalized == email {
			return c.ID, true
		}
	}
	if phone == "" {
		return uuid.Nil, false
	}
	for _, c := range candidates {
		if c.PhoneNormalized != nil && *c.PhoneNormalized == phone {
			return c.ID, true
		}
	}
	return uuid.Nil, false
}
