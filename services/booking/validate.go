package booking

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/apperr"
)

// ParseClock reads a local time of day "HH:MM" into minutes since midnight; "24:00" is the end of
// the day and only allowed when end is true.
func ParseClock(s, field string, end bool) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(h) != 2 || len(m) != 2 || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 {
		return 0, apperr.Input(field, apperr.InvalidFormat, "time of day must be HH:MM, e.g. 09:30")
	}
	minute := hh*60 + mm
	if minute > 1440 || (minute == 1440 && !end) || (hh == 24 && mm != 0) {
		return 0, apperr.Input(field, apperr.OutOfRange, "time of day must be between 00:00 and 24:00")
	}
	return minute, nil
}

// FormatClock writes minutes since midnight as "HH:MM".
func FormatClock(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

// text checks an optional free text.
func text(s, field string, maxRunes int) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxRunes {
		return "", apperr.Input(field, apperr.TooLong, fmt.Sprintf("must be at most %d characters", maxRunes)).With("max", maxRunes)
	}
	return s, nil
}

// intIn checks an integer's range.
// MinHoldMinutes is the shortest hold a business may set: imoje wants a payment's validTo at least
// 60 s ahead, slotpay refuses to start a payment whose hold ends within a minute, and a customer
// needs a few minutes to confirm BLIK in the bank's app or pass a bank's transfer pages.
const MinHoldMinutes = 5

func intIn(v int, lo, hi int, field string) error {
	if v < lo || v > hi {
		return apperr.Input(field, apperr.OutOfRange, fmt.Sprintf("must be between %d and %d", lo, hi)).With("min", lo).With("max", hi)
	}
	return nil
}

// int64In is intIn for amounts (minor units; a price's bounds fit an int).
func int64In(v, lo, hi int64, field string) error {
	return intIn(int(max(min(v, hi+1), lo-1)), int(lo), int(hi), field)
}

// uniqueIDs drops duplicates, keeping order.
func uniqueIDs(ids []uuid.UUID) []uuid.UUID {
	seen := make(map[uuid.UUID]bool, len(ids))
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
