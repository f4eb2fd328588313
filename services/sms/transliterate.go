package sms

import "strings"

// Polish letters are not in GSM-7 (only ó's cousin ò is), so one "ą" turns a 160-character message
// into a 70-character one: a reminder of 100 characters costs two parts instead of one. A business
// may choose (SmsSettings.transliterate) to send its Polish texts without diacritics, as most
// Polish senders do: Transliterate replaces them with their base letters, and typographic
// punctuation that editors and phones insert („”, ’, –, …, a no-break space) with its GSM-7 twin.
// Anything else outside GSM-7 (emoji, Cyrillic) stays: such a text remains UCS-2, as written.
//
// This is done here rather than with SMSAPI's own `normalize=1` so that the text the delivery log
// shows, and the parts it counts, are exactly what was sent, with any provider.
var transliteration = strings.NewReplacer(
	"ą", "a", "ć", "c", "ę", "e", "ł", "l", "ń", "n", "ó", "o", "ś", "s", "ź", "z", "ż", "z",
	"Ą", "A", "Ć", "C", "Ę", "E", "Ł", "L", "Ń", "N", "Ó", "O", "Ś", "S", "Ź", "Z", "Ż", "Z",
	"„", "\"", "”", "\"", "“", "\"", "«", "\"", "»", "\"", "‘", "'", "’", "'", "‚", "'",
	"–", "-", "—", "-", "‐", "-", "−", "-", "…", "...", "\u00a0", " ", "\u202f", " ", "\u2009", " ",
)

// Transliterate is text with Polish diacritics and typographic punctuation replaced by GSM-7
// characters.
func Transliterate(text string) string { return transliteration.Replace(text) }
