package sms

import (
	"regexp"
	"strings"

	"github.com/slotpay/slotpay/services/customers"
)

// Sender names. SMSAPI's rule for an alphanumeric sender field (its error 2112, "pole nadawcy może
// mieć maksymalnie 11 znaków, dopuszczalne znaki: a-z A-Z 0-9 - . [spacja]"; no Polish letters, not
// a phone number): 1 to 11 of those characters. We also ask for at least one letter (an all-digit
// sender is read by phones as a number to call back, and SMSAPI treats it as one) and no space at
// either end. A name must also be registered and approved in SMSAPI's panel (Pola nadawcy) before it
// can be used: SMSAPI refuses an unregistered one with error 14 at sending, which the delivery log
// then shows.
var senderPattern = regexp.MustCompile(`^[A-Za-z0-9.\- ]{1,11}$`)

// MaxSenderName is the longest alphanumeric sender name.
const MaxSenderName = 11

// SenderProblem says what is wrong with a sender name ("" when it is fine).
func SenderProblem(name string) string {
	switch {
	case name == "":
		return "required"
	case len([]rune(name)) > MaxSenderName:
		return "too long"
	case !senderPattern.MatchString(name):
		return "only letters A–Z without diacritics, digits, '-', '.' and spaces"
	case strings.TrimSpace(name) != name:
		return "no space at the start or end"
	case !strings.ContainsAny(strings.ToLower(name), "abcdefghijklmnopqrstuvwxyz"):
		return "at least one letter"
	}
	return ""
}

// E164 is a customer's phone number in E.164 ("+48600100200"), normalised as customers are matched
// (customers.NormalizePhone: a number without a country code is Polish), and whether it is one: a
// number that cannot be read as E.164 gets no SMS.
func E164(phone string) (string, bool) {
	n := customers.NormalizePhone(phone)
	if len(n) < 9 || n[0] != '+' {
		return "", false
	}
	return n, true
}
