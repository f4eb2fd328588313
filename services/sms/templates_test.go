package sms

import (
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/messages"
)

// Each built-in SMS, filled with a typical business, date and service, fits one GSM-7 part once
// transliterated (the default), in both languages; and is registered on the SMS channel.
func TestBuiltInTextsFitOnePart(t *testing.T) {
	t.Parallel()
	facts := messages.Facts{"businessName": "Salon Urody Anna", "startsAt": "środa, 11 listopada 2026, 14:30",
		"serviceName": "Strzyżenie damskie"}
	for _, tc := range smsTexts {
		if _, ok := messages.Lookup(tc.kind, messages.SMS); !ok {
			t.Errorf("%s is not registered on the SMS channel", tc.kind)
		}
		for lang, body := range map[string]string{"pl": tc.pl, "en": tc.en} {
			text := body
			for k, v := range facts {
				text = strings.ReplaceAll(text, "{"+k+"}", v)
			}
			if strings.Contains(text, "{") {
				t.Errorf("%s/%s: unfilled placeholder in %q", tc.kind, lang, text)
			}
			if s := Count(Transliterate(text)); s.Encoding != GSM7 || s.Parts != 1 {
				t.Errorf("%s/%s: %q is %s in %d parts", tc.kind, lang, text, s.Encoding, s.Parts)
			}
		}
	}
	if w := func() bool { tmpl, _ := messages.Lookup(messages.Reminder, messages.SMS); return tmpl.Wanted != nil }(); !w {
		t.Error("the SMS reminder does not check that its visit still stands")
	}
}
