// Package sms sends text messages: one small provider interface (Provider) with SMSAPI.pl as its
// first implementation (smsapi.go), the pure rules of a text message — GSM-7 or UCS-2 and how many
// parts it costs (segments.go), Polish transliteration (transliterate.go), quiet hours
// (quiethours.go), sender names and numbers (address.go) — and each business's SMS settings and its
// customers' opt-out (settings.go).
package sms

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/slotpay/slotpay/services/apperr"
)

// Encoding is how a text travels: GSM-7 (the GSM 03.38 default alphabet, 7 bits a character) or
// UCS-2 (16 bits a character) as soon as one character is outside GSM-7.
type Encoding string

const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// Sizes of a part (3GPP TS 23.040): a single message holds 140 octets, 160 GSM-7 septets or 70 UCS-2
// characters; a part of a concatenated message loses 6 octets to its user data header, leaving 153
// septets or 67 UCS-2 characters.
const (
	gsmSingle   = 160
	gsmPart     = 153
	ucs2Single  = 70
	ucs2Part    = 67
	escapeChars = 2 // an extension-table character is ESC (0x1B) plus its code: two septets
)

// gsmBasic is the GSM 03.38 default alphabet (3GPP TS 23.038 §6.2.1), without ESC itself.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension is the default alphabet's extension table (§6.2.1.1): each costs two septets.
const gsmExtension = "\f^{}\\[~]|€"

var gsmWidth = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = escapeChars
	}
	return m
}()

// Segments is what a text costs as an SMS.
type Segments struct {
	Encoding Encoding
	// Characters is the text's length as a person counts it (Unicode code points).
	Characters int
	// Units is its length in the encoding's units: GSM-7 septets (an extension character counts
	// two) or UTF-16 code units (a character beyond the Basic Multilingual Plane, such as most
	// emoji, counts two).
	Units int
	// Parts is how many messages it is sent (and billed) as; 0 for an empty text.
	Parts int
	// PerPart is how many units one part holds at this length (160/153 or 70/67).
	PerPart int
	// Remaining is how many units still fit in the last part.
	Remaining int
}

// IsGSM7 reports whether every character of text is in the GSM 03.38 default alphabet or its
// extension table.
func IsGSM7(text string) bool {
	for _, r := range text {
		if gsmWidth[r] == 0 {
			return false
		}
	}
	return true
}

// Count says how text is encoded and into how many parts it splits. Parts are filled as phones and
// gateways fill them: an extension character's two septets, and a surrogate pair's two UTF-16
// units, are never split between two parts, so a part may end one unit short.
func Count(text string) Segments {
	if text == "" {
		return Segments{Encoding: GSM7, PerPart: gsmSingle, Remaining: gsmSingle}
	}
	widths := make([]int, 0, len(text))
	enc := GSM7
	for _, r := range text {
		w := gsmWidth[r]
		if w == 0 {
			enc = UCS2
			break
		}
		widths = append(widths, w)
	}
	single, part := gsmSingle, gsmPart
	if enc == UCS2 {
		single, part = ucs2Single, ucs2Part
		widths = widths[:0]
		for _, r := range text {
			widths = append(widths, max(utf16.RuneLen(r), 1))
		}
	}
	s := Segments{Encoding: enc, Characters: len(widths)}
	for _, w := range widths {
		s.Units += w
	}
	if s.Units <= single {
		s.Parts, s.PerPart, s.Remaining = 1, single, single-s.Units
		return s
	}
	s.PerPart = part
	used := 0
	s.Parts = 1
	for _, w := range widths {
		if used+w > part {
			s.Parts++
			used = 0
		}
		used += w
	}
	s.Remaining = part - used
	return s
}

// MaxPreview is the longest text Preview measures.
const MaxPreview = 2000

// Preview is what text costs as SMS, transliterated first when asked (the smsSegments query).
func Preview(text string, transliterate bool) (Segments, error) {
	if n := utf8.RuneCountInString(text); n > MaxPreview {
		return Segments{}, apperr.Input("text", apperr.TooLong, "the text must be at most 2000 characters").With("max", MaxPreview)
	}
	if transliterate {
		text = Transliterate(text)
	}
	return Count(text), nil
}
