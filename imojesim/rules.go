package imojesim

import (
	"fmt"
	"strings"
)

// Outcome is what the payer (or a test) does with a transaction or payment link.
type Outcome struct {
	// Outcome is settle, reject, cancel, error or pending. settle (the default) means the payer
	// pays; the test rules (BLIK codes, card numbers, channel limits) may still refuse it.
	Outcome string `json:"outcome"`
	// PaymentMethod and PaymentMethodCode pick the channel when paying a payment link.
	PaymentMethod     string `json:"paymentMethod,omitempty"`
	PaymentMethodCode string `json:"paymentMethodCode,omitempty"`
	// BlikCode is the code the payer enters (BLIK without a code from the shop).
	BlikCode string `json:"blikCode,omitempty"`
	// CardNumber is the card the payer enters on the paywall.
	CardNumber string `json:"cardNumber,omitempty"`
	// StatusCode and StatusCodeDescription override the code set on a rejected or failed
	// transaction, e.g. BLK-ERROR-210015 or CODE_51.
	StatusCode            string `json:"statusCode,omitempty"`
	StatusCodeDescription string `json:"statusCodeDescription,omitempty"`
}

// OutcomeResult is the transaction after an outcome and where the payer is sent.
type OutcomeResult struct {
	Transaction Transaction `json:"transaction"`
	RedirectURL string      `json:"redirectUrl"`
}

// blikRules are the simulator's BLIK test codes (imoje publishes none). 777xxx settles; any other
// valid code waits for the payer's confirmation.
var blikRules = map[string][2]string{
	"111111": {"BLK-ERROR-210005", "Wrong BLIK code"},
	"222222": {"BLK-ERROR-210006", "BLIK code expired"},
	"333333": {"BLK-ERROR-210015", "Insufficient funds"},
	"444444": {"BLK-ERROR-210002", "Payment declined by the payer"},
}

// cardRules are the simulator's declining test cards; every other valid card number settles.
var cardRules = map[string][2]string{
	"4000000000000002": {"CODE_05", "Do not honour"},
	"4000000000009995": {"CODE_51", "Insufficient funds"},
	"4000000000000069": {"CODE_54", "Expired card"},
}

func isBlikCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// blikDecision says how a BLIK code resolves on its own; decided is false for a code that waits
// for the payer to confirm in the banking app.
func blikDecision(code string) (status, statusCode, desc string, decided bool) {
	if r, ok := blikRules[code]; ok {
		return StatusRejected, r[0], r[1], true
	}
	if strings.HasPrefix(code, "777") {
		return StatusSettled, "", "", true
	}
	return "", "", "", false
}

func luhnValid(number string) bool {
	if len(number) < 12 || len(number) > 19 {
		return false
	}
	sum := 0
	for i := range number {
		c := number[len(number)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// decide turns an outcome into the final status under the test rules.
func decide(t *transaction, o Outcome, ch ChannelConfig) (status, code, desc string, err error) {
	switch o.Outcome {
	case "reject":
		code, desc = o.StatusCode, o.StatusCodeDescription
		if code == "" && t.method == "card" {
			code, desc = "CODE_05", "Do not honour"
		}
		return StatusRejected, code, desc, nil
	case "cancel":
		return StatusCancelled, o.StatusCode, o.StatusCodeDescription, nil
	case "error":
		return StatusError, o.StatusCode, o.StatusCodeDescription, nil
	case "pending":
		return StatusPending, "", "", nil
	case "", "settle":
	default:
		return "", "", "", fmt.Errorf("outcome %q: want settle, reject, cancel, error or pending: %w", o.Outcome, ErrInvalidOption)
	}
	if !withinLimits(ch, t.amount) {
		return StatusRejected, "", fmt.Sprintf("Amount outside the limits of %s (%d–%d)", ch.Code, ch.Min, ch.Max), nil
	}
	switch t.method {
	case "blik":
		code := o.BlikCode
		if code == "" {
			code = t.blikCode
		}
		if code == "" {
			return StatusSettled, "", "", nil
		}
		if !isBlikCode(code) {
			return "", "", "", fmt.Errorf("blikCode must be 6 digits: %w", ErrInvalidOption)
		}
		if st, c, d, ok := blikDecision(code); ok {
			return st, c, d, nil
		}
		return StatusSettled, "", "", nil
	case "card":
		number := strings.NewReplacer(" ", "", "-", "").Replace(o.CardNumber)
		if number == "" {
			return StatusSettled, "", "", nil
		}
		if !luhnValid(number) {
			return "", "", "", fmt.Errorf("card number is not valid: %w", ErrInvalidOption)
		}
		if r, ok := cardRules[number]; ok {
			return StatusRejected, r[0], r[1], nil
		}
	}
	return StatusSettled, "", "", nil
}
