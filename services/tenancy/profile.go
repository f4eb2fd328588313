package tenancy

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slotpay/slotpay/services/apperr"
)

// Caps of the public profile's texts (the migration 00009 checks repeat them).
const (
	MaxAddressLine        = 200
	MaxCity               = 100
	MaxPostalCode         = 20
	MaxPhone              = 32
	MaxLogoURL            = 2048
	MaxCancellationPolicy = 4000
)

var (
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	// A phone number as people write it: an optional +, digits, spaces, hyphens, dots, parentheses.
	phonePattern = regexp.MustCompile(`^\+?[0-9 ().-]+$`)
)

// ProfileInput holds a business's public-profile fields; nil stays, an empty (or blank) string
// clears the field.
type ProfileInput struct {
	AddressLine1       *string
	AddressLine2       *string
	City               *string
	PostalCode         *string
	Country            *string
	ContactEmail       *string
	Phone              *string
	LogoURL            *string
	CancellationPolicy *string
}

// profileUpdates validates in and returns the column changes it asks for (nil for a cleared
// field). Every bad field is reported (apperr.Problems); then nothing is to be written.
func profileUpdates(in ProfileInput) (map[string]any, error) {
	out := map[string]any{}
	text := func(column, field string, v *string, max int, check func(string) (string, error)) error {
		if v == nil {
			return nil
		}
		s := strings.TrimSpace(*v)
		if s == "" {
			out[column] = nil
			return nil
		}
		if utf8.RuneCountInString(s) > max {
			return apperr.Input(field, apperr.TooLong, "must be at most "+strconv.Itoa(max)+" characters").With("max", max)
		}
		if check != nil {
			var err error
			if s, err = check(s); err != nil {
				return apperr.Input(field, apperr.InvalidFormat, err.Error())
			}
		}
		out[column] = s
		return nil
	}
	fields := []struct {
		column, field string
		v             *string
		max           int
		check         func(string) (string, error)
	}{
		{"address_line1", "addressLine1", in.AddressLine1, MaxAddressLine, singleLine},
		{"address_line2", "addressLine2", in.AddressLine2, MaxAddressLine, singleLine},
		{"city", "city", in.City, MaxCity, singleLine},
		{"postal_code", "postalCode", in.PostalCode, MaxPostalCode, singleLine},
		{"country", "country", in.Country, 2, checkCountry},
		{"contact_email", "contactEmail", in.ContactEmail, 254, checkEmail},
		{"phone", "phone", in.Phone, MaxPhone, checkPhone},
		{"logo_url", "logoUrl", in.LogoURL, MaxLogoURL, checkLogoURL},
		{"cancellation_policy", "cancellationPolicy", in.CancellationPolicy, MaxCancellationPolicy, printable},
	}
	var problems apperr.Problems
	for _, f := range fields {
		problems.Add(text(f.column, f.field, f.v, f.max, f.check))
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

type problem string

func (p problem) Error() string { return string(p) }

func singleLine(s string) (string, error) {
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", problem("must be one line without control characters")
		}
	}
	return s, nil
}

// printable allows line breaks in a longer text but no other control characters.
func printable(s string) (string, error) {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return "", problem("must not contain control characters")
		}
	}
	return s, nil
}

func checkCountry(s string) (string, error) {
	s = strings.ToUpper(s)
	if !countryPattern.MatchString(s) {
		return "", problem("country must be an ISO 3166-1 alpha-2 code such as PL")
	}
	return s, nil
}

func checkEmail(s string) (string, error) {
	email, err := NormalizeEmail(s, "")
	if err != nil {
		return "", problem("e-mail address is not valid")
	}
	return email, nil
}

func checkPhone(s string) (string, error) {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if !phonePattern.MatchString(s) || digits < 5 || digits > 15 {
		return "", problem("phone number must be 5 to 15 digits, optionally with +, spaces, hyphens or parentheses")
	}
	return s, nil
}

// checkLogoURL accepts only absolute https URLs with a host and no credentials: the logo is shown in
// customers' browsers, where http would be mixed content and userinfo a phishing aid.
func checkLogoURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Opaque != "" {
		return "", problem("logo URL must be an absolute https:// address")
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return "", problem("logo URL must not contain spaces or control characters")
		}
	}
	return s, nil
}
