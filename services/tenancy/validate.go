package tenancy

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/slotpay/slotpay/services/apperr"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$`)

// reservedSlugs would collide with routes or confuse customers.
var reservedSlugs = map[string]bool{"api": true, "admin": true, "www": true, "graphql": true, "imoje": true, "slotpay": true}

// Currencies a tenant may price in (ISO 4217; the ones imoje settles plus common neighbours).
var Currencies = map[string]bool{
	"PLN": true, "EUR": true, "USD": true, "GBP": true, "CHF": true, "SEK": true, "HUF": true,
	"CZK": true, "BGN": true, "RON": true, "NOK": true, "DKK": true,
}

// NormalizeEmail trims and lower-cases an e-mail address and checks it is a plain addr-spec.
func NormalizeEmail(raw, field string) (string, error) {
	email := strings.ToLower(strings.TrimSpace(raw))
	if email == "" {
		return "", apperr.Input(field, apperr.Required, "e-mail address is required")
	}
	addr, err := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	if err != nil || addr.Address != email || len(email) > 254 || at < 1 ||
		!strings.Contains(email[at+1:], ".") || strings.HasSuffix(email, ".") {
		return "", apperr.Input(field, apperr.InvalidFormat, "e-mail address is not valid")
	}
	return email, nil
}

// ValidateTimeZone accepts IANA zone names (Europe/Warsaw, UTC), never "Local" or offsets.
func ValidateTimeZone(tz, field string) (*time.Location, error) {
	if tz == "" || tz == "Local" || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") {
		return nil, apperr.Input(field, apperr.InvalidFormat, "time zone must be an IANA name such as Europe/Warsaw")
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, apperr.Input(field, apperr.NotAllowed, "unknown time zone "+tz)
	}
	return loc, nil
}

// ValidateLocale accepts a BCP 47 tag such as pl-PL and returns its canonical form.
func ValidateLocale(raw, field string) (string, error) {
	tag, err := language.Parse(raw)
	if err != nil || len(raw) > 35 {
		return "", apperr.Input(field, apperr.InvalidFormat, "locale must be a BCP 47 tag such as pl-PL")
	}
	return tag.String(), nil
}

// ValidateSlug checks a tenant's public identifier.
func ValidateSlug(slug, field string) error {
	if !slugPattern.MatchString(slug) {
		return apperr.Input(field, apperr.InvalidFormat, "slug must be 3 to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit")
	}
	if reservedSlugs[slug] {
		return apperr.Input(field, apperr.NotAllowed, "this slug is reserved")
	}
	return nil
}

// ValidateName checks a display name.
func ValidateName(name, field string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", apperr.Input(field, apperr.Required, "name is required")
	}
	if utf8.RuneCountInString(name) > 200 {
		return "", apperr.Input(field, apperr.TooLong, "name must be at most 200 characters").With("max", 200)
	}
	return name, nil
}

// ValidateCurrency checks an ISO 4217 code slotpay supports.
func ValidateCurrency(c, field string) (string, error) {
	c = strings.ToUpper(strings.TrimSpace(c))
	if !Currencies[c] {
		return "", apperr.Input(field, apperr.NotAllowed, "unsupported currency "+c)
	}
	return c, nil
}
