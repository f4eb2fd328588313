package sms

import (
	"strings"
	"testing"
)

func TestCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		text      string
		enc       Encoding
		units     int
		parts     int
		remaining int
	}{
		{"empty", "", GSM7, 0, 0, 160},
		{"plain ASCII", "Hello", GSM7, 5, 1, 155},
		{"160 GSM-7 is one part", strings.Repeat("a", 160), GSM7, 160, 1, 0},
		{"161 GSM-7 is two parts of 153", strings.Repeat("a", 161), GSM7, 161, 2, 145},
		{"306 GSM-7 is two full parts", strings.Repeat("a", 306), GSM7, 306, 2, 0},
		{"307 GSM-7 is three parts", strings.Repeat("a", 307), GSM7, 307, 3, 152},
		{"GSM-7 accents of the basic table", "èéùìòÇØøÅåÄÖÑÜäöñüà", GSM7, 19, 1, 141},
		{"extension characters count double", "{[€]}", GSM7, 10, 1, 150},
		{"80 euro signs fill one part", strings.Repeat("€", 80), GSM7, 160, 1, 0},
		// 76 "€" fill 152 septets of the first part; the 77th's two septets do not fit the last
		// one left, so it starts the second part.
		{"an escape pair is not split across parts", strings.Repeat("€", 81), GSM7, 162, 2, 153 - 10},
		{"one Polish letter forces UCS-2", "Dzień dobry", UCS2, 11, 1, 59},
		{"ó is not GSM-7 (ò is)", "ó", UCS2, 1, 1, 69},
		{"70 UCS-2 is one part", strings.Repeat("ą", 70), UCS2, 70, 1, 0},
		{"71 UCS-2 is two parts of 67", strings.Repeat("ą", 71), UCS2, 71, 2, 63},
		{"134 UCS-2 is two full parts", strings.Repeat("ż", 134), UCS2, 134, 2, 0},
		{"135 UCS-2 is three parts", strings.Repeat("ż", 135), UCS2, 135, 3, 66},
		{"an emoji is two UTF-16 units", "ok 👍", UCS2, 5, 1, 65},
		// 66 "a" and then the emoji's surrogate pair would cross the 67-unit boundary.
		{"a surrogate pair is not split", strings.Repeat("a", 66) + "👍" + strings.Repeat("a", 10), UCS2, 78, 2, 67 - 12},
		{"Cyrillic is UCS-2", "Привет", UCS2, 6, 1, 64},
		{"a tab is not GSM-7", "a\tb", UCS2, 3, 1, 67},
		{"newline and carriage return are GSM-7", "a\r\nb", GSM7, 4, 1, 156},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Count(tc.text)
			if got.Encoding != tc.enc || got.Units != tc.units || got.Parts != tc.parts || got.Remaining != tc.remaining {
				t.Errorf("Count(%q) = %+v; want %s, %d units, %d parts, %d remaining", tc.text, got, tc.enc, tc.units, tc.parts, tc.remaining)
			}
		})
	}
}

// A Polish reminder as a business would write it: with diacritics it costs two UCS-2 parts, the
// same text transliterated one GSM-7 part.
func TestPolishReminderParts(t *testing.T) {
	t.Parallel()
	text := "Przypominamy o wizycie jutro o 14:30 w Salon Zdrój, ul. Źródlana 5. Odwołanie: https://slotpay.pl/r/abc123"
	withDiacritics := Count(text)
	if withDiacritics.Encoding != UCS2 || withDiacritics.Parts != 2 || withDiacritics.Characters != 106 {
		t.Fatalf("with diacritics: %+v; want UCS-2, 106 characters, 2 parts", withDiacritics)
	}
	plain := Transliterate(text)
	if want := "Przypominamy o wizycie jutro o 14:30 w Salon Zdroj, ul. Zrodlana 5. Odwolanie: https://slotpay.pl/r/abc123"; plain != want {
		t.Fatalf("Transliterate = %q; want %q", plain, want)
	}
	if got := Count(plain); got.Encoding != GSM7 || got.Parts != 1 {
		t.Fatalf("transliterated: %+v; want GSM-7 in 1 part", got)
	}
}

func TestTransliterate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ":    "acelnoszz ACELNOSZZ",
		"„Zażółć gęślą jaźń”":    `"Zazolc gesla jazn"`,
		"10–12 … it’s\u00a0done": "10-12 ... it's done",
		"emoji 👍 stays":          "emoji 👍 stays",
		"Ä and é are GSM-7":      "Ä and é are GSM-7",
	} {
		if got := Transliterate(in); got != want {
			t.Errorf("Transliterate(%q) = %q; want %q", in, got, want)
		}
	}
	// Every Polish text becomes GSM-7.
	if !IsGSM7(Transliterate("Wizyta potwierdzona: środa, 5 listopada, godz. 9:00 — Gabinet Łódź")) {
		t.Error("transliterated Polish is not GSM-7")
	}
}
