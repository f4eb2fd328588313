package bookingfields

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
)

// Answer is a booking's answer to one field, as sent: Value for every type but MULTI_CHOICE (a
// text, a number, "true"/"false", a date YYYY-MM-DD, a choice's key), Values for MULTI_CHOICE.
type Answer struct {
	Key    string
	Value  *string
	Values []string
}

// DefaultMaxLength caps a TEXT answer whose field sets no limit.
const DefaultMaxLength = 500

// detailKey is the extension naming the field an answer error is about.
const detailKey = "bookingField"

// Validate checks a booking's answers against the active fields of its service (business-wide
// ones included) and returns them as they are to be stored, each with a snapshot of its field.
// Every problem is reported, at once: an unknown or repeated key, a missing required answer, a
// value of the wrong type, a choice not offered, a text too long, a number out of range. Each
// error names its input (answers.<i>.value, or answers for a required field left out) and the
// field's key (extensions.bookingField). Pure: the caller has read the fields.
func Validate(fields []models.BookingField, answers []Answer) ([]models.ReservationAnswer, error) {
	byKey := make(map[string]*models.BookingField, len(fields))
	for i := range fields {
		byKey[fields[i].Key] = &fields[i]
	}
	var problems apperr.Problems
	answered := map[string]bool{}
	out := make([]models.ReservationAnswer, 0, len(answers))
	for i, a := range answers {
		at := fmt.Sprintf("answers.%d", i)
		key := strings.TrimSpace(a.Key)
		f, ok := byKey[key]
		switch {
		case !ok:
			problems.Add(apperr.Input(at+".key", apperr.NotAllowed, "this service has no booking field with this key").WithDetail(detailKey, key))
			continue
		case answered[key]:
			problems.Add(apperr.Input(at+".key", apperr.Inconsistent, "this booking field is answered twice").WithDetail(detailKey, key))
			continue
		}
		answered[key] = true
		ans, err := check(f, a, at)
		if err != nil {
			problems.Add(err)
			continue
		}
		if ans != nil {
			out = append(out, *ans)
		}
	}
	for i := range fields {
		if f := &fields[i]; f.Required && !answered[f.Key] {
			problems.Add(apperr.Input("answers", apperr.Required, "a required booking field is not answered").WithDetail(detailKey, f.Key))
		}
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// check validates one answer to f; nil without error is an optional field left blank.
func check(f *models.BookingField, a Answer, at string) (*models.ReservationAnswer, error) {
	bad := func(path string, reason apperr.Reason, msg string) *apperr.Error {
		return apperr.Input(path, reason, msg).WithDetail(detailKey, f.Key)
	}
	ans := &models.ReservationAnswer{FieldID: f.ID, Key: f.Key, Type: f.Type, Position: f.Position, Label: f.Label,
		ChoiceKeys: []string{}, ChoiceLabels: []models.Texts{}}
	if f.Type == models.FieldMultiChoice {
		if a.Value != nil {
			return nil, bad(at+".value", apperr.NotAllowed, "a multiple-choice field takes values, not value")
		}
		var problems apperr.Problems
		seen := map[string]bool{}
		for j, v := range a.Values {
			v = strings.TrimSpace(v)
			c, ok := f.Choice(v)
			switch {
			case !ok:
				problems.Add(bad(fmt.Sprintf("%s.values.%d", at, j), apperr.NotAllowed, "this option is not offered"))
			case !seen[v]:
				seen[v] = true
				ans.ChoiceKeys = append(ans.ChoiceKeys, c.Key)
				ans.ChoiceLabels = append(ans.ChoiceLabels, c.Label)
			}
		}
		if err := problems.Err(); err != nil {
			return nil, err
		}
		if len(ans.ChoiceKeys) == 0 {
			if f.Required {
				return nil, bad(at+".values", apperr.Required, "choose at least one option")
			}
			return nil, nil
		}
		return ans, nil
	}
	if a.Values != nil {
		return nil, bad(at+".values", apperr.NotAllowed, "only a multiple-choice field takes values; send value")
	}
	v := strings.TrimSpace(deref(a.Value))
	if v == "" {
		if f.Required {
			return nil, bad(at+".value", apperr.Required, "this booking field is required")
		}
		return nil, nil
	}
	switch f.Type {
	case models.FieldText:
		limit := DefaultMaxLength
		if f.MaxLength != nil {
			limit = *f.MaxLength
		}
		if utf8.RuneCountInString(v) > limit {
			return nil, bad(at+".value", apperr.TooLong, fmt.Sprintf("must be at most %d characters", limit)).With("max", limit)
		}
	case models.FieldNumber:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, bad(at+".value", apperr.InvalidFormat, "must be a number, e.g. 42 or 1.5")
		}
		if (f.MinNumber != nil && n < *f.MinNumber) || (f.MaxNumber != nil && n > *f.MaxNumber) {
			return nil, outOfRange(bad(at+".value", apperr.OutOfRange, rangeText(f)), f)
		}
		v = strconv.FormatFloat(n, 'f', -1, 64)
	case models.FieldCheckbox:
		switch strings.ToLower(v) {
		case "true":
			v = "true"
		case "false":
			if f.Required {
				return nil, bad(at+".value", apperr.Required, "this box must be ticked")
			}
			v = "false"
		default:
			return nil, bad(at+".value", apperr.InvalidFormat, "must be true or false")
		}
	case models.FieldDate:
		d, err := models.ParseDate(v)
		if err != nil {
			return nil, bad(at+".value", apperr.InvalidFormat, "must be a date, YYYY-MM-DD")
		}
		v = d.String()
	case models.FieldSingleChoice:
		c, ok := f.Choice(v)
		if !ok {
			return nil, bad(at+".value", apperr.NotAllowed, "this option is not offered")
		}
		ans.ChoiceKeys, ans.ChoiceLabels = []string{c.Key}, []models.Texts{c.Label}
	}
	ans.Value = &v
	return ans, nil
}

func rangeText(f *models.BookingField) string {
	switch {
	case f.MinNumber != nil && f.MaxNumber != nil:
		return fmt.Sprintf("must be between %s and %s", num(*f.MinNumber), num(*f.MaxNumber))
	case f.MinNumber != nil:
		return "must be at least " + num(*f.MinNumber)
	default:
		return "must be at most " + num(*f.MaxNumber)
	}
}

// outOfRange adds the limits that are whole numbers as the message's parameters.
func outOfRange(e *apperr.Error, f *models.BookingField) *apperr.Error {
	for name, limit := range map[string]*float64{"min": f.MinNumber, "max": f.MaxNumber} {
		if limit != nil && *limit == math.Trunc(*limit) && math.Abs(*limit) < 1e9 {
			e = e.With(name, int(*limit))
		}
	}
	return e
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
