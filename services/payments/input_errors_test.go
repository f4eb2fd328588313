package payments

import (
	"strings"
	"testing"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr/apperrtest"
)

func TestInitiateInputReportsEveryProblem(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		in   InitiateInput
		want string
	}{
		{"BLIK with a code", InitiateInput{Channel: ChannelBlik, BlikCode: "123456", IdempotencyKey: "k"}, ""},
		{"no key, a bad code, a bad return URL", InitiateInput{Channel: ChannelBlik, BlikCode: "12", ReturnURL: "ftp://x"},
			"idempotencyKey REQUIRED, blikCode INVALID_FORMAT, returnUrl INVALID_FORMAT"},
		{"a long key", InitiateInput{Channel: ChannelCard, IdempotencyKey: strings.Repeat("k", 201)}, "idempotencyKey TOO_LONG"},
		{"PBL without a bank", InitiateInput{Channel: ChannelPBL, IdempotencyKey: "k"}, "bankCode REQUIRED"},
		{"an unknown pay-later provider", InitiateInput{Channel: ChannelPayLater, PayLaterProvider: "X", IdempotencyKey: "k"}, "payLaterProvider NOT_ALLOWED"},
		{"an unknown channel", InitiateInput{Channel: "CASH", IdempotencyKey: "k"}, "channel NOT_ALLOWED"},
		{"a BLIK code for a card", InitiateInput{Channel: ChannelCard, BlikCode: "123456", IdempotencyKey: "k"}, "blikCode INCONSISTENT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := c.in
			if got := apperrtest.Problems(t, in.validate()); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestPaymentMethodReportsEveryProblem(t *testing.T) {
	t.Parallel()
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		name string
		m    models.PaymentMethod
		want string
	}{
		{"on site", models.PaymentMethod{Kind: models.MethodOnSite, DisplayName: "Cash"}, ""},
		{"a bank transfer", models.PaymentMethod{Kind: models.MethodBankTransfer, DisplayName: "Transfer", AccountHolder: s("Salon"),
			AccountNumber: s("PL61 1090 1014 0000 0712 1981 2874")}, ""},
		{"no name, a long description, account details on site", models.PaymentMethod{Kind: models.MethodOnSite,
			Description: strings.Repeat("d", 1001), AccountNumber: s("x")},
			"displayName REQUIRED, description TOO_LONG, accountNumber NOT_ALLOWED"},
		{"a bank transfer without details", models.PaymentMethod{Kind: models.MethodBankTransfer, DisplayName: strings.Repeat("n", 101),
			TitleTemplate: s(strings.Repeat("t", 141))},
			"displayName TOO_LONG, accountHolder REQUIRED, accountNumber REQUIRED, titleTemplate TOO_LONG"},
		{"a bad IBAN", models.PaymentMethod{Kind: models.MethodBankTransfer, DisplayName: "T", AccountHolder: s("S"),
			AccountNumber: s("PL00 1090 1014 0000 0712 1981 2874")}, "accountNumber INVALID_FORMAT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := c.m
			if got := apperrtest.Problems(t, validateMethod(&m)); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}
