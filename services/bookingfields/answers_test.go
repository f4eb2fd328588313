package bookingfields

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
)

func ptr[T any](v T) *T { return &v }

func testFields() []models.BookingField {
	label := func(s string) models.Texts { return models.Texts{"pl": s + " (pl)", "en": s} }
	return []models.BookingField{
		{ID: uuid.New(), Key: "notes", Type: models.FieldText, Label: label("Notes"), MaxLength: ptr(10)},
		{ID: uuid.New(), Key: "age", Type: models.FieldNumber, Label: label("Age"), Required: true, MinNumber: ptr(0.0), MaxNumber: ptr(120.0)},
		{ID: uuid.New(), Key: "hair", Type: models.FieldSingleChoice, Label: label("Hair"),
			Choices: []models.Choice{{Key: "short", Label: label("Short")}, {Key: "long", Label: label("Long")}}},
		{ID: uuid.New(), Key: "extras", Type: models.FieldMultiChoice, Label: label("Extras"),
			Choices: []models.Choice{{Key: "wash", Label: label("Wash")}, {Key: "dry", Label: label("Dry")}}},
		{ID: uuid.New(), Key: "terms", Type: models.FieldCheckbox, Label: label("Terms"), Required: true},
		{ID: uuid.New(), Key: "birthday", Type: models.FieldDate, Label: label("Birthday")},
	}
}

// valid answers every required field.
func valid(more ...Answer) []Answer {
	return append([]Answer{{Key: "age", Value: ptr("30")}, {Key: "terms", Value: ptr("true")}}, more...)
}

type problem struct {
	field  string
	reason apperr.Reason
	key    string
}

func problemsOf(err error) []problem {
	var out []problem
	for _, e := range apperr.Each(err) {
		ae, _ := apperr.As(e)
		out = append(out, problem{ae.Field, ae.Reason, ae.Details[detailKey]})
	}
	return out
}

func TestValidateRefusals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		answers []Answer
		want    []problem
	}{
		{"unknown key", valid(Answer{Key: "shoe_size", Value: ptr("42")}),
			[]problem{{"answers.2.key", apperr.NotAllowed, "shoe_size"}}},
		{"answered twice", valid(Answer{Key: "age", Value: ptr("31")}),
			[]problem{{"answers.2.key", apperr.Inconsistent, "age"}}},
		{"required fields left out", nil,
			[]problem{{"answers", apperr.Required, "age"}, {"answers", apperr.Required, "terms"}}},
		{"required answered blank", []Answer{{Key: "age", Value: ptr("  ")}, {Key: "terms", Value: ptr("true")}},
			[]problem{{"answers.0.value", apperr.Required, "age"}}},
		{"required box not ticked", []Answer{{Key: "age", Value: ptr("3")}, {Key: "terms", Value: ptr("false")}},
			[]problem{{"answers.1.value", apperr.Required, "terms"}}},
		{"not a number", []Answer{{Key: "age", Value: ptr("thirty")}, {Key: "terms", Value: ptr("true")}},
			[]problem{{"answers.0.value", apperr.InvalidFormat, "age"}}},
		{"number out of range", []Answer{{Key: "age", Value: ptr("121")}, {Key: "terms", Value: ptr("true")}},
			[]problem{{"answers.0.value", apperr.OutOfRange, "age"}}},
		{"NaN is not a number", []Answer{{Key: "age", Value: ptr("NaN")}, {Key: "terms", Value: ptr("true")}},
			[]problem{{"answers.0.value", apperr.InvalidFormat, "age"}}},
		{"text too long", valid(Answer{Key: "notes", Value: ptr("01234567890")}),
			[]problem{{"answers.2.value", apperr.TooLong, "notes"}}},
		{"choice not offered", valid(Answer{Key: "hair", Value: ptr("green")}),
			[]problem{{"answers.2.value", apperr.NotAllowed, "hair"}}},
		{"one of several choices not offered", valid(Answer{Key: "extras", Values: []string{"wash", "massage"}}),
			[]problem{{"answers.2.values.1", apperr.NotAllowed, "extras"}}},
		{"values for a single choice", valid(Answer{Key: "hair", Values: []string{"short"}}),
			[]problem{{"answers.2.values", apperr.NotAllowed, "hair"}}},
		{"value for a multiple choice", valid(Answer{Key: "extras", Value: ptr("wash")}),
			[]problem{{"answers.2.value", apperr.NotAllowed, "extras"}}},
		{"not a date", valid(Answer{Key: "birthday", Value: ptr("31.12.1990")}),
			[]problem{{"answers.2.value", apperr.InvalidFormat, "birthday"}}},
		{"a checkbox is true or false", []Answer{{Key: "age", Value: ptr("3")}, {Key: "terms", Value: ptr("yes")}},
			[]problem{{"answers.1.value", apperr.InvalidFormat, "terms"}}},
		{"every problem at once", []Answer{{Key: "age", Value: ptr("-1")}, {Key: "nope", Value: ptr("x")}, {Key: "hair", Value: ptr("bald")}},
			[]problem{{"answers.0.value", apperr.OutOfRange, "age"}, {"answers.1.key", apperr.NotAllowed, "nope"},
				{"answers.2.value", apperr.NotAllowed, "hair"}, {"answers", apperr.Required, "terms"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Validate(testFields(), c.answers)
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			if p := problemsOf(err); !slices.Equal(p, c.want) {
				t.Fatalf("problems %+v, want %+v", p, c.want)
			}
		})
	}
}

func TestValidateStoresASnapshot(t *testing.T) {
	t.Parallel()
	fields := testFields()
	got, err := Validate(fields, valid(
		Answer{Key: "hair", Value: ptr(" long ")},
		Answer{Key: "extras", Values: []string{"dry", "wash", "dry"}},
		Answer{Key: "notes", Value: ptr("")}, // optional and blank: not stored
		Answer{Key: "birthday", Value: ptr("1990-12-31")},
	))
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]models.ReservationAnswer{}
	for _, a := range got {
		byKey[a.Key] = a
	}
	if len(got) != 5 || byKey["notes"].Key != "" {
		t.Fatalf("answers %+v", got)
	}
	if a := byKey["age"]; *a.Value != "30" || a.FieldID != fields[1].ID || a.Label["en"] != "Age" || a.Type != models.FieldNumber {
		t.Fatalf("age %+v", a)
	}
	if a := byKey["hair"]; *a.Value != "long" || !slices.Equal(a.ChoiceKeys, []string{"long"}) || a.ChoiceLabels[0]["en"] != "Long" {
		t.Fatalf("hair %+v", a)
	}
	if a := byKey["extras"]; a.Value != nil || !slices.Equal(a.ChoiceKeys, []string{"dry", "wash"}) || a.ChoiceLabels[1]["pl"] != "Wash (pl)" {
		t.Fatalf("extras %+v", a)
	}
}

func TestDefinitionRefusals(t *testing.T) {
	t.Parallel()
	typ := func(t models.BookingFieldType) *models.BookingFieldType { return &t }
	for _, c := range []struct {
		name string
		in   Input
		want []string
	}{
		{"nothing", Input{}, []string{"key", "type", "label"}},
		{"bad key and unknown locale", Input{Key: ptr("Hair Length"), Type: typ(models.FieldText), Label: models.Texts{"de": "Haar"}},
			[]string{"key", "label", "label"}},
		{"choice field without options", Input{Key: ptr("hair"), Type: typ(models.FieldSingleChoice), Label: models.Texts{"en": "Hair"}},
			[]string{"choices"}},
		{"options on a text field, a range on text", Input{Key: ptr("hair"), Type: typ(models.FieldText), Label: models.Texts{"en": "Hair"},
			Choices: &[]models.Choice{{Key: "a", Label: models.Texts{"en": "A"}}}, MinNumber: ptr(1.0)}, []string{"choices", "min"}},
		{"repeated option keys", Input{Key: ptr("hair"), Type: typ(models.FieldMultiChoice), Label: models.Texts{"en": "Hair"},
			Choices: &[]models.Choice{{Key: "a", Label: models.Texts{"en": "A"}}, {Key: "a", Label: models.Texts{"pl": "B"}}}},
			[]string{"choices.1.key"}},
		{"min above max", Input{Key: ptr("age"), Type: typ(models.FieldNumber), Label: models.Texts{"en": "Age"}, MinNumber: ptr(5.0), MaxNumber: ptr(1.0)},
			[]string{"max"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var f models.BookingField
			err := c.in.apply(&f, true)
			var fields []string
			for _, e := range apperr.Each(err) {
				if ae, ok := apperr.As(e); ok {
					fields = append(fields, ae.Field)
				}
			}
			if !slices.Equal(fields, c.want) {
				t.Fatalf("fields %q, want %q (%v)", fields, c.want, err)
			}
		})
	}
}
