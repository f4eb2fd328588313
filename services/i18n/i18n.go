// Package i18n holds the messages slotpay sends its clients, in the languages it speaks (English and
// Polish to start), and the choice of language for a request: the client's Accept-Language when
// it names a supported language, else the business's locale when the caller's business is known,
// else English. English is the domain's own text; the catalogue (catalogue.go) translates it by the
// error's sub-code and field, with a message per sub-code and per code when nothing finer fits.
package i18n

import (
	"strconv"
	"strings"

	"golang.org/x/text/language"

	"github.com/slotpay/slotpay/services/apperr"
)

// The supported languages, as message locales.
const (
	English = "en"
	Polish  = "pl"
)

// Locales lists every supported locale, for the catalogue's completeness test.
var Locales = []string{English, Polish}

var matcher = language.NewMatcher([]language.Tag{language.English, language.Polish})

// match returns the supported locale that a list of language preferences (an Accept-Language
// header, or one BCP 47 tag) asks for, or "" when it asks for none of them.
func match(preferences string) string {
	tags, _, err := language.ParseAcceptLanguage(preferences)
	if err != nil || len(tags) == 0 {
		return ""
	}
	_, i, confidence := matcher.Match(tags...)
	if confidence == language.No {
		return ""
	}
	return Locales[i]
}

// Choose picks a request's locale: the client's Accept-Language when it names a supported
// language, else the business's locale (a BCP 47 tag such as pl-PL; "" when not known), else
// English. businessLocale is asked only when the header does not decide (it may read the database).
func Choose(acceptLanguage string, businessLocale func() string) string {
	if l := match(acceptLanguage); l != "" {
		return l
	}
	if businessLocale != nil {
		if l := match(businessLocale()); l != "" {
			return l
		}
	}
	return English
}

// Message is e's message in locale: in English the domain's own text; in another locale its
// translation, found by the English text (a sentinel's message), then by sub-code and field, then
// by sub-code, then by code.
func Message(locale string, e *apperr.Error) string {
	if locale == English && e.Message != "" {
		return e.Message
	}
	for _, texts := range []translations{
		byMessage[e.Message], byField[fieldKey{e.Reason, fieldName(e.Field)}], byReason[e.Reason], byCode[e.Code],
	} {
		if m, ok := render(texts[locale], e.Params); ok {
			return m
		}
	}
	if e.Message != "" {
		return e.Message
	}
	m, _ := render(byCode[apperr.Internal][locale], nil)
	return m
}

// fieldName is the catalogue's name of a field path: without list indices and without an edge's
// argument prefix ("input.intervals.1.weekday" → "intervals.weekday").
func fieldName(path string) string {
	path = strings.TrimPrefix(path, "input.")
	parts := strings.Split(path, ".")
	out := parts[:0]
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

// render fills the first template whose parameters ({max}, {min}) are all given; a parameter may
// name Polish plural forms of a noun after it, {max|znak|znaki|znaków}.
func render(templates []string, params map[string]int) (string, bool) {
next:
	for _, t := range templates {
		var b strings.Builder
		for {
			open := strings.IndexByte(t, '{')
			if open < 0 {
				b.WriteString(t)
				return b.String(), true
			}
			end := strings.IndexByte(t[open:], '}')
			if end < 0 {
				continue next
			}
			name, forms, _ := strings.Cut(t[open+1:open+end], "|")
			v, ok := params[name]
			if !ok {
				continue next
			}
			b.WriteString(t[:open])
			b.WriteString(strconv.Itoa(v))
			if forms != "" {
				b.WriteString(" " + polishPlural(v, strings.Split(forms, "|")))
			}
			t = t[open+end+1:]
		}
	}
	return "", false
}

// polishPlural picks the form of a noun after n: 1 znak, 2–4 znaki (but 12–14 znaków), 5 znaków.
func polishPlural(n int, forms []string) string {
	if len(forms) != 3 {
		return strings.Join(forms, "|")
	}
	switch {
	case n == 1:
		return forms[0]
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return forms[1]
	}
	return forms[2]
}
