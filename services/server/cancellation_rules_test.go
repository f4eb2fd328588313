package server_test

import (
	"encoding/json"
	"testing"
)

const rulesFields = `freeCancellationHours lateCancellationFee lateCancellationFeePercent lateCancellationFeeAmount { amount currency }
	customerMayCancel customerCancelUntilHours customerMayReschedule customerRescheduleUntilHours`

// A business sets its cancellation rules, a service overrides some of them, customers read both
// publicly; reset returns the service to the business's rules.
func TestCancellationRulesOfBusinessAndService(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "rules-salon", nil)

	// The defaults of a new business.
	var got struct {
		BookingSettings struct{ CancellationRules json.RawMessage }
	}
	b.Must(b.owner.AccessToken, `{ bookingSettings { cancellationRules { `+rulesFields+` } } }`, nil, &got)
	assertJSON(t, "defaults", got.BookingSettings.CancellationRules, `{"freeCancellationHours":24,"lateCancellationFee":"NO_REFUND",
		"lateCancellationFeePercent":null,"lateCancellationFeeAmount":null,"customerMayCancel":true,"customerCancelUntilHours":0,
		"customerMayReschedule":true,"customerRescheduleUntilHours":24}`)

	var set struct {
		UpdateBookingSettings struct{ CancellationRules json.RawMessage }
	}
	b.Must(b.owner.AccessToken, `mutation { updateBookingSettings(input: {cancellationRules: {freeCancellationHours: 48,
		lateCancellationFee: PERCENT, lateCancellationFeePercent: 30, customerCancelUntilHours: 2}}) { cancellationRules { `+rulesFields+` } } }`, nil, &set)
	business := `{"freeCancellationHours":48,"lateCancellationFee":"PERCENT","lateCancellationFeePercent":30,"lateCancellationFeeAmount":null,
		"customerMayCancel":true,"customerCancelUntilHours":2,"customerMayReschedule":true,"customerRescheduleUntilHours":24}`
	assertJSON(t, "business rules", set.UpdateBookingSettings.CancellationRules, business)

	// The service follows the business until it overrides a rule.
	var svc struct {
		UpdateService struct {
			CancellationRules          json.RawMessage
			OverridesCancellationRules bool
		}
	}
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { updateService(id: $id, input: {cancellationRules: {lateCancellationFee: FIXED,
		lateCancellationFeeAmount: 2500, customerMayReschedule: false}}) { overridesCancellationRules cancellationRules { `+rulesFields+` } } }`,
		map[string]any{"id": b.service}, &svc)
	own := `{"freeCancellationHours":48,"lateCancellationFee":"FIXED","lateCancellationFeePercent":null,
		"lateCancellationFeeAmount":{"amount":2500,"currency":"PLN"},"customerMayCancel":true,"customerCancelUntilHours":2,
		"customerMayReschedule":false,"customerRescheduleUntilHours":24}`
	assertJSON(t, "service rules", svc.UpdateService.CancellationRules, own)
	if !svc.UpdateService.OverridesCancellationRules {
		t.Error("overridesCancellationRules = false after an override")
	}

	// Customers see the service's rules and the business's, without signing in.
	var public struct {
		PublicServices []struct{ CancellationRules json.RawMessage }
		Business       struct{ CancellationRules json.RawMessage }
	}
	b.Must("", `{ publicServices(tenantSlug: "rules-salon") { cancellationRules { `+rulesFields+` } }
		business(slug: "rules-salon") { cancellationRules { `+rulesFields+` } } }`, nil, &public)
	if len(public.PublicServices) != 1 {
		t.Fatalf("public services: %d, want 1", len(public.PublicServices))
	}
	assertJSON(t, "public service rules", public.PublicServices[0].CancellationRules, own)
	assertJSON(t, "public business rules", public.Business.CancellationRules, business)

	// A change of the business's rules reaches the rules the service did not override.
	b.Must(b.owner.AccessToken, `mutation { updateBookingSettings(input: {cancellationRules: {freeCancellationHours: 12}}) { minNoticeMinutes } }`, nil, nil)
	var after struct {
		Service struct {
			CancellationRules struct{ FreeCancellationHours int }
		}
	}
	b.Must(b.owner.AccessToken, `query($id: UUID!) { service(id: $id) { cancellationRules { freeCancellationHours } } }`, map[string]any{"id": b.service}, &after)
	if after.Service.CancellationRules.FreeCancellationHours != 12 {
		t.Errorf("service's free hours = %d after the business changed to 12", after.Service.CancellationRules.FreeCancellationHours)
	}

	// Reset: back to the business's rules.
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { updateService(id: $id, input: {cancellationRules: {reset: true}}) { id } }`,
		map[string]any{"id": b.service}, nil)
	var reset struct {
		Service struct {
			CancellationRules          json.RawMessage
			OverridesCancellationRules bool
		}
	}
	b.Must(b.owner.AccessToken, `query($id: UUID!) { service(id: $id) { overridesCancellationRules cancellationRules { `+rulesFields+` } } }`,
		map[string]any{"id": b.service}, &reset)
	if reset.Service.OverridesCancellationRules {
		t.Error("overridesCancellationRules = true after reset")
	}
	assertJSON(t, "after reset", reset.Service.CancellationRules, `{"freeCancellationHours":12,"lateCancellationFee":"PERCENT",
		"lateCancellationFeePercent":30,"lateCancellationFeeAmount":null,"customerMayCancel":true,"customerCancelUntilHours":2,
		"customerMayReschedule":true,"customerRescheduleUntilHours":24}`)
}

// Bad rules are every one reported, with the input path, and nothing changes.
func TestBadCancellationRulesChangeNothing(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "rules-bad", nil)
	before := b.Count(`SELECT count(*) FROM tenants WHERE free_cancellation_hours = 24 AND late_cancellation_fee = 'NO_REFUND'`)
	r := b.Do(b.owner.AccessToken, `mutation { updateBookingSettings(input: {minNoticeMinutes: 30, cancellationRules: {freeCancellationHours: -1,
		lateCancellationFeePercent: 101, lateCancellationFeeAmount: -5, customerRescheduleUntilHours: 9000}}) { minNoticeMinutes } }`, nil)
	fields := map[string]string{}
	for _, e := range r.Errors {
		fields[e.Field()] = e.Code()
	}
	for _, f := range []string{"input.cancellationRules.freeCancellationHours", "input.cancellationRules.lateCancellationFeePercent",
		"input.cancellationRules.lateCancellationFeeAmount", "input.cancellationRules.customerRescheduleUntilHours"} {
		if fields[f] != "BAD_USER_INPUT" {
			t.Errorf("%s: %q, want BAD_USER_INPUT (errors %+v)", f, fields[f], r.Errors)
		}
	}
	if len(fields) != 4 {
		t.Errorf("errors for %v, want the four bad fields", fields)
	}
	if after := b.Count(`SELECT count(*) FROM tenants WHERE free_cancellation_hours = 24 AND late_cancellation_fee = 'NO_REFUND'`); after != before {
		t.Errorf("tenants with default rules %d → %d after a refused change", before, after)
	}
	if n := b.Count(`SELECT count(*) FROM tenants WHERE slug = 'rules-bad' AND min_notice_minutes = 30`); n != 0 {
		t.Error("a refused settings change stored minNoticeMinutes")
	}

	e := b.MustFail(b.owner.AccessToken, `mutation($id: UUID!) { updateService(id: $id, input: {cancellationRules: {customerCancelUntilHours: -2}}) { id } }`,
		map[string]any{"id": b.service}, "BAD_USER_INPUT")
	if e.Field() != "input.cancellationRules.customerCancelUntilHours" {
		t.Errorf("service field = %q", e.Field())
	}
	if n := b.Count(`SELECT count(*) FROM services WHERE customer_cancel_until_hours IS NOT NULL`); n != 0 {
		t.Errorf("%d services got an override from a refused change", n)
	}

	// Staff may read the rules but not change them.
	b.MustFail(b.inviteStaff(t, "staff@rules-bad.example.com"), `mutation { updateBookingSettings(input: {cancellationRules: {freeCancellationHours: 1}}) { minNoticeMinutes } }`, nil, "FORBIDDEN")
}

func assertJSON(t *testing.T, what string, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v in %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v", what, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("%s =\n %s\nwant\n %s", what, gb, wb)
	}
}
