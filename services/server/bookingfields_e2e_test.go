package server_test

import (
	"slices"
	"testing"
	"time"
)

const createFieldOp = `mutation($in: BookingFieldInput!) { createBookingField(input: $in) { id key position } }`

// bookingFieldsEnv is a booking env whose business asks, for every service, whether it is a first
// visit, and for its service the hair length (required) and the customer's age (0 to 120).
func bookingFieldsEnv(t *testing.T, slug string) (*bookingEnv, map[string]string) {
	t.Helper()
	b := newBookingEnv(t, slug, nil)
	ids := map[string]string{}
	for _, in := range []map[string]any{
		{"key": "first_visit", "type": "CHECKBOX", "label": map[string]any{"pl": "Pierwsza wizyta?", "en": "First visit?"}},
		{"serviceId": b.service, "key": "hair_length", "type": "SINGLE_CHOICE", "required": true,
			"label": map[string]any{"pl": "Długość włosów", "en": "Hair length"}, "help": map[string]any{"en": "Roughly"},
			"choices": []map[string]any{{"key": "short", "label": map[string]any{"pl": "Krótkie", "en": "Short"}},
				{"key": "long", "label": map[string]any{"pl": "Długie"}}}},
		{"serviceId": b.service, "key": "age", "type": "NUMBER", "min": 0, "max": 120, "label": map[string]any{"en": "Age"}},
		{"serviceId": b.service, "key": "extras", "type": "MULTI_CHOICE", "label": map[string]any{"pl": "Dodatki"},
			"choices": []map[string]any{{"key": "wash", "label": map[string]any{"en": "Wash"}}, {"key": "dry", "label": map[string]any{"en": "Dry"}}}},
	} {
		var out struct{ CreateBookingField struct{ ID, Key string } }
		b.Must(b.owner.AccessToken, createFieldOp, map[string]any{"in": in}, &out)
		ids[out.CreateBookingField.Key] = out.CreateBookingField.ID
	}
	return b, ids
}

// TestBookingFieldsArePublicAndTranslated: the widget reads a service's questions (its own and the
// business-wide ones, in order) without a token, in the language it asks for, falling back to
// the other language where a text has no translation.
func TestBookingFieldsArePublicAndTranslated(t *testing.T) {
	t.Parallel()
	b, _ := bookingFieldsEnv(t, "fields-public")
	const op = `query($slug: String!) { publicServices(tenantSlug: $slug) { name bookingFields { key type required position label help choices { key label } } } }`
	type field struct {
		Key, Type, Label string
		Required         bool
		Position         int
		Help             *string
		Choices          []struct{ Key, Label string }
	}
	read := func(lang string) []field {
		t.Helper()
		r := doInLanguage(t, b.Env, "", lang, op, map[string]any{"slug": b.owner.Slug})
		var out struct {
			PublicServices []struct{ BookingFields []field }
		}
		if len(r.Errors) > 0 || jsonInto(r.Data, &out) != nil || len(out.PublicServices) != 1 {
			t.Fatalf("%s: %s %+v", lang, r.Data, r.Errors)
		}
		return out.PublicServices[0].BookingFields
	}
	pl, en := read("pl-PL,pl;q=0.9"), read("en")
	var keys []string
	for _, f := range pl {
		keys = append(keys, f.Key)
	}
	// Position order, then key: new fields go after the last of their scope (business-wide or the
	// service's), so first_visit and hair_length share 0.
	if want := []string{"first_visit", "hair_length", "age", "extras"}; !slices.Equal(keys, want) {
		t.Fatalf("keys %q, want %q", keys, want)
	}
	if pl[1].Label != "Długość włosów" || en[1].Label != "Hair length" || !pl[1].Required || pl[1].Type != "SINGLE_CHOICE" {
		t.Fatalf("hair length pl %+v en %+v", pl[1], en[1])
	}
	if pl[1].Choices[1].Label != "Długie" || en[1].Choices[1].Label != "Długie" || en[1].Choices[0].Label != "Short" {
		t.Fatalf("choices pl %+v en %+v", pl[1].Choices, en[1].Choices)
	}
	if pl[2].Label != "Age" || *pl[1].Help != "Roughly" || en[0].Help != nil {
		t.Fatalf("fallbacks: %+v %+v %+v", pl[2], pl[1], en[0])
	}
	// Staff-only texts stay staff-only.
	r := b.Do("", `query($slug: String!) { publicServices(tenantSlug: $slug) { bookingFields { labels { pl } } } }`, map[string]any{"slug": b.owner.Slug})
	if len(r.Errors) != 0 {
		t.Fatalf("labels are part of the public definition: %+v", r.Errors)
	}
	b.MustFail("", `query { bookingFields { id } }`, nil, "UNAUTHENTICATED")
}

// TestBadBookingAnswersBookNothing: every bad answer is its own error naming the input and the
// field's key, all at once, and nothing is written: no reservation, no customer, no occupation.
func TestBadBookingAnswersBookNothing(t *testing.T) {
	t.Parallel()
	b, _ := bookingFieldsEnv(t, "fields-bad")
	in := b.reservationInput(time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw), "")
	in["answers"] = []map[string]any{
		{"key": "age", "value": "121"},
		{"key": "shoe_size", "value": "42"},
		{"key": "first_visit", "value": "maybe"},
		{"key": "extras", "values": []string{"wash", "massage"}},
	}
	r := b.Do("", createReservationOp, map[string]any{"in": in})
	type got struct{ field, reason, key string }
	var errs []got
	for _, e := range r.Errors {
		if e.Code() != "BAD_USER_INPUT" || e.Message == "" {
			t.Fatalf("error %+v", e)
		}
		reason, _ := e.Extensions["reason"].(string)
		key, _ := e.Extensions["bookingField"].(string)
		errs = append(errs, got{e.Field(), reason, key})
	}
	want := []got{
		{"input.answers.0.value", "OUT_OF_RANGE", "age"},
		{"input.answers.1.key", "NOT_ALLOWED", "shoe_size"},
		{"input.answers.2.value", "INVALID_FORMAT", "first_visit"},
		{"input.answers.3.values.1", "NOT_ALLOWED", "extras"},
		{"input.answers", "REQUIRED", "hair_length"},
	}
	if !slices.Equal(errs, want) {
		t.Fatalf("errors %+v, want %+v", errs, want)
	}
	// In Polish too, with the same codes.
	pl := doInLanguage(t, b.Env, "", "pl", createReservationOp, map[string]any{"in": in})
	if len(pl.Errors) != len(want) || pl.Errors[4].Message == r.Errors[4].Message {
		t.Fatalf("Polish errors %+v", pl.Errors)
	}
	for _, table := range []string{"reservations", "customers", "occupations", "reservation_answers"} {
		if n := b.Count(`SELECT count(*) FROM `+table+` WHERE tenant_id = $1`, b.owner.TenantID); n != 0 {
			t.Errorf("%d rows in %s after a refused booking", n, table)
		}
	}
}

// TestAnswersKeepTheirQuestion: a booking's answers are stored with the question as it was; staff
// and the reservation's own customer token read them; changing, reordering or archiving the field
// afterwards changes the form, never the past answers.
func TestAnswersKeepTheirQuestion(t *testing.T) {
	t.Parallel()
	b, ids := bookingFieldsEnv(t, "fields-keep")
	in := b.reservationInput(time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw), "")
	in["answers"] = []map[string]any{
		{"key": "hair_length", "value": "long"},
		{"key": "age", "value": "042.50"},
		{"key": "extras", "values": []string{"dry", "wash"}},
		{"key": "first_visit", "value": "TRUE"},
	}
	var made struct {
		CreateReservation struct {
			CustomerAccessToken string
			Reservation         struct{ ID string }
		}
	}
	b.Must("", `mutation($in: CreateReservationInput!) { createReservation(input: $in) { customerAccessToken reservation { id } } }`,
		map[string]any{"in": in}, &made)
	id := made.CreateReservation.Reservation.ID
	type answer struct {
		Key, Type, Label string
		Value            *string
		Values           []string
		ValueLabels      []string
	}
	const answersOp = `query($id: UUID!) { reservation(id: $id) { answers { key type label value values valueLabels } } }`
	read := func(token, lang string) []answer {
		t.Helper()
		r := doInLanguage(t, b.Env, token, lang, answersOp, map[string]any{"id": id})
		var out struct{ Reservation struct{ Answers []answer } }
		if len(r.Errors) > 0 || jsonInto(r.Data, &out) != nil {
			t.Fatalf("answers: %s %+v", r.Data, r.Errors)
		}
		return out.Reservation.Answers
	}
	before := read(b.owner.AccessToken, "pl")
	summary := func(as []answer) []string {
		var out []string
		for _, a := range as {
			v := ""
			if a.Value != nil {
				v = *a.Value
			}
			out = append(out, a.Key+"|"+a.Type+"|"+a.Label+"|"+v+"|"+join(a.Values)+"|"+join(a.ValueLabels))
		}
		return out
	}
	want := []string{
		"first_visit|CHECKBOX|Pierwsza wizyta?|true||",
		"hair_length|SINGLE_CHOICE|Długość włosów|long|long|Długie",
		"age|NUMBER|Age|42.5||",
		"extras|MULTI_CHOICE|Dodatki||dry,wash|Dry,Wash",
	}
	if got := summary(before); !slices.Equal(got, want) {
		t.Fatalf("answers %q, want %q", got, want)
	}
	if got := summary(read(made.CreateReservation.CustomerAccessToken, "pl")); !slices.Equal(got, want) {
		t.Fatalf("the customer's own answers %q", got)
	}

	// Change the field's label and options, reorder, archive another: the stored answers stay.
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { updateBookingField(id: $id, input: {label: {pl: "Włosy", en: "Hair"},
		choices: [{key: "short", label: {pl: "Krótkie"}}, {key: "medium", label: {pl: "Średnie"}}]}) { id } }`, map[string]any{"id": ids["hair_length"]}, nil)
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { archiveBookingField(id: $id) { archivedAt } }`, map[string]any{"id": ids["extras"]}, nil)
	var order struct {
		ReorderBookingFields []struct {
			Key      string
			Position int
		}
	}
	b.Must(b.owner.AccessToken, `mutation($ids: [UUID!]!) { reorderBookingFields(ids: $ids) { key position } }`,
		map[string]any{"ids": []string{ids["age"], ids["hair_length"]}}, &order)
	if len(order.ReorderBookingFields) != 2 || order.ReorderBookingFields[0].Key != "age" || order.ReorderBookingFields[1].Position != 1 {
		t.Fatalf("reorder %+v", order)
	}
	if got := summary(read(b.owner.AccessToken, "pl")); !slices.Equal(got, want) {
		t.Fatalf("answers after the fields changed %q, want %q", got, want)
	}
	// The form has changed: the archived field is gone, and "long" is no longer offered.
	var svc struct {
		Service struct{ BookingFields []struct{ Key string } }
	}
	b.Must(b.owner.AccessToken, `query($id: UUID!) { service(id: $id) { bookingFields { key } } }`, map[string]any{"id": b.service}, &svc)
	var keys []string
	for _, f := range svc.Service.BookingFields {
		keys = append(keys, f.Key)
	}
	// age and first_visit share position 0 (the business-wide field was never reordered): key order.
	if !slices.Equal(keys, []string{"age", "first_visit", "hair_length"}) {
		t.Fatalf("form %q", keys)
	}
	in["startsAt"] = time.Date(2026, 3, 4, 12, 0, 0, 0, warsaw).UTC().Format(time.RFC3339)
	in["answers"] = []map[string]any{{"key": "hair_length", "value": "long"}, {"key": "extras", "values": []string{"wash"}}}
	r := b.Do("", createReservationOp, map[string]any{"in": in})
	if len(r.Errors) != 2 || r.Errors[0].Field() != "input.answers.0.value" || r.Errors[1].Field() != "input.answers.1.key" {
		t.Fatalf("answers to the changed form: %+v", r.Errors)
	}
	// The archived key is free again.
	b.Must(b.owner.AccessToken, createFieldOp, map[string]any{"in": map[string]any{"key": "extras", "type": "TEXT", "label": map[string]any{"en": "Anything else?"}}}, nil)
	e := b.MustFail(b.owner.AccessToken, createFieldOp, map[string]any{"in": map[string]any{"key": "age", "type": "TEXT", "label": map[string]any{"en": "Age again"}}}, "CONFLICT")
	if e.Field() != "input.key" {
		t.Fatalf("field %q", e.Field())
	}
}

// TestBookingFieldDefinitions: bad definitions are every error at once with nothing written;
// STAFF may read but not define; another business's field or service is NOT_FOUND.
func TestBookingFieldDefinitions(t *testing.T) {
	t.Parallel()
	b, ids := bookingFieldsEnv(t, "fields-defs")
	r := b.Do(b.owner.AccessToken, createFieldOp, map[string]any{"in": map[string]any{
		"key": "Bad Key", "type": "SINGLE_CHOICE", "label": map[string]any{"pl": " "}, "maxLength": 10,
	}})
	var fields []string
	for _, e := range r.Errors {
		fields = append(fields, e.Field())
	}
	if want := []string{"input.key", "input.label", "input.choices", "input.maxLength"}; !slices.Equal(fields, want) {
		t.Fatalf("fields %q, want %q (%+v)", fields, want, r.Errors)
	}
	if n := b.Count(`SELECT count(*) FROM booking_fields WHERE tenant_id = $1`, b.owner.TenantID); n != 4 {
		t.Fatalf("%d fields", n)
	}
	var list struct {
		BookingFields []struct{ Key string }
	}
	b.Must(b.owner.AccessToken, `query { bookingFields { key } }`, nil, &list)
	if len(list.BookingFields) != 4 {
		t.Fatalf("list %+v", list)
	}

	other := b.SignUp("fields-defs-2")
	var svc struct{ CreateService struct{ ID string } }
	b.Must(other.AccessToken, `mutation { createService(input: {name: "Massage", durationMinutes: 60, priceAmount: 100}) { id } }`, nil, &svc)
	for _, c := range []struct {
		op   string
		vars map[string]any
	}{
		{`mutation($id: UUID!) { updateBookingField(id: $id, input: {required: true}) { id } }`, map[string]any{"id": ids["age"]}},
		{`mutation($id: UUID!) { archiveBookingField(id: $id) { id } }`, map[string]any{"id": ids["age"]}},
		{`mutation($ids: [UUID!]!) { reorderBookingFields(ids: $ids) { id } }`, map[string]any{"ids": []string{ids["age"]}}},
	} {
		b.MustFail(other.AccessToken, c.op, c.vars, "NOT_FOUND")
	}
	b.MustFail(b.owner.AccessToken, createFieldOp, map[string]any{"in": map[string]any{"serviceId": svc.CreateService.ID, "key": "x", "type": "TEXT",
		"label": map[string]any{"en": "X"}}}, "NOT_FOUND")
	if n := b.Count(`SELECT count(*) FROM booking_fields WHERE id = $1 AND NOT required AND archived_at IS NULL`, ids["age"]); n != 1 {
		t.Fatal("another business changed a field")
	}
	var otherList struct{ BookingFields []struct{ Key string } }
	b.Must(other.AccessToken, `query { bookingFields(includeArchived: true) { key } }`, nil, &otherList)
	if len(otherList.BookingFields) != 0 {
		t.Fatalf("another business sees %+v", otherList.BookingFields)
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}
