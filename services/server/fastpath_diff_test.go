package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/graph/fastpath"
	"github.com/slotpay/slotpay/imojesim"
)

// The differential tests of the one-pass rendering (graph/fastpath): every operation is served
// by the same server on the same database with the pass off (gqlgen executes every field) and on
// (twice: the plan is built, then taken from the cache), and the three responses must be the
// same bytes — status, content type and body. The pass's Trace says whether it wrote the root
// fields itself, so a corpus where it silently always fell back would fail too.

// diffEnv is a business with a week and more of reservations: Anna has 100 (some with payments,
// one settled through the imoje simulator; customers with and without a phone, names that need
// escaping), Celina one, Bartek none; two services, one with a description, a category and a
// deposit.
type diffEnv struct {
	*bookingEnv
	celina, bartek string
	massage        string
	reservations   []string // Anna's, in order
	customerToken  string   // the customer of reservations[0]
	other          string   // a reservation of Celina's
}

var diffNames = []struct{ name, email, phone string }{
	{"Jan Kowalski", "jan@example.com", "+48 600 100 200"},
	{`Zofia "Zosia" Żółć <b>&amp;</b>`, "zosia@example.com", ""},
	{"Line\u2028separator \\ back\tslash", "ls@example.com", "+48 600 100 201"},
	{"Émile 😀 Zoë", "emile@example.com", ""},
}

func newDiffEnv(t testing.TB) *diffEnv {
	t.Helper()
	b := newBookingEnv(t, "fastpath-diff", map[string]any{"priceAmount": 12000, "paymentPolicy": "REQUIRED", "holdMinutes": 30})
	d := &diffEnv{bookingEnv: b}
	d.massage = b.createService(t, map[string]any{"name": "Masaż \"głęboki\"", "durationMinutes": 30, "priceAmount": 20000,
		"description": "Relaks <60 min>", "category": "Spa", "depositKind": "PERCENT", "depositValue": 30, "paymentPolicy": "REQUIRED"})
	b.Must(b.owner.AccessToken, `mutation($id: UUID!, $in: StaffMemberInput!) { updateStaffMember(id: $id, input: $in) { id } }`,
		map[string]any{"id": b.staff, "in": map[string]any{"serviceIds": []string{b.service, d.massage}}}, nil)
	d.celina = b.createStaff(t, "Celina", b.service)
	d.bartek = b.createStaff(t, "Bartek", b.service)
	week := []map[string]any{}
	for _, day := range []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"} {
		week = append(week, map[string]any{"weekday": day, "start": "09:00", "end": "17:00"})
	}
	b.Must(b.owner.AccessToken, `mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`,
		map[string]any{"id": d.celina, "w": week}, nil)

	// The imoje simulator as the business's payment provider, so that payments are real ones.
	sim := imojesim.New(imojesim.Config{
		Merchants:  []imojesim.MerchantConfig{{Shops: []imojesim.ShopConfig{{NotificationURL: b.URL + "/payment-imoje"}}}},
		TimeFactor: 0.0001, RefundSpacing: -1, Now: b.clock.Now, // the business's fixed clock
	})
	t.Cleanup(sim.Close)
	hs := httptest.NewServer(sim)
	t.Cleanup(hs.Close)
	var method struct{ CreatePaymentMethod struct{ ID string } }
	b.Must(b.owner.AccessToken, `mutation { createPaymentMethod(input: {kind: IMOJE, displayName: "Pay online", isDefault: true}) { id } }`, nil, &method)
	merchant := sim.Merchants()[0]
	b.Must(b.owner.AccessToken, saveCredentialsOp, map[string]any{"in": map[string]any{
		"paymentMethodId": method.CreatePaymentMethod.ID, "authorizationToken": merchant.Token, "merchantId": merchant.ID,
		"shopId": merchant.Shops[0].ServiceID, "shopKey": merchant.Shops[0].ServiceKey, "environment": "CUSTOM",
		"customBaseUrl": hs.URL + "/v1/merchant", "channels": []string{"BLIK", "PBL", "PAY_LATER", "CARD"},
	}}, nil)

	book := func(staff, service string, start time.Time, i int) createdReservation {
		c := diffNames[i%len(diffNames)]
		customer := map[string]any{"name": c.name, "email": c.email}
		if c.phone != "" {
			customer["phone"] = c.phone
		}
		in := map[string]any{"tenantSlug": b.owner.Slug, "serviceId": service, "staffMemberId": staff,
			"startsAt": start.UTC().Format(time.RFC3339), "customer": customer}
		if i%7 == 3 {
			in["note"] = "Proszę o ciszę"
		}
		var out struct{ CreateReservation createdReservation }
		b.Must("", createReservationOp, map[string]any{"in": in}, &out)
		return out.CreateReservation
	}
	for i := range 100 {
		start := time.Date(2026, 3, 3+i/8, 9+i%8, 0, 0, 0, warsaw)
		service := b.service
		if i%5 == 4 {
			service = d.massage
		}
		r := book(b.staff, service, start, i)
		d.reservations = append(d.reservations, r.Reservation.ID)
		if i == 0 {
			d.customerToken = r.CustomerAccessToken
		}
		if i < 3 { // payments: two pending, the first settled
			var pay struct{ InitiatePayment paymentResult }
			b.Must(r.CustomerAccessToken, initiateOp, map[string]any{"in": map[string]any{
				"reservationId": r.Reservation.ID, "channel": "PBL", "bankCode": "ing", "idempotencyKey": fmt.Sprint("diff-", i)}}, &pay)
			if i == 0 {
				outcome(t, hs.URL, sim, *pay.InitiatePayment.ImojeTransactionID)
			}
		}
	}
	d.other = book(d.celina, b.service, time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw), 1).Reservation.ID
	// Wait for the settled payment's notification to be applied.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var st struct {
			Reservation struct{ PaymentStatus string }
		}
		b.Must(b.owner.AccessToken, `query($id: UUID!) { reservation(id: $id) { paymentStatus } }`, map[string]any{"id": d.reservations[0]}, &st)
		if st.Reservation.PaymentStatus == "PAID" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the settled payment was not applied: %s", st.Reservation.PaymentStatus)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

// outcome asks the simulator to settle a transaction (it then notifies slotpay).
func outcome(t testing.TB, simURL string, sim *imojesim.Simulator, id string) {
	t.Helper()
	path := "/_sim/transactions/" + id + "/outcome"
	if _, err := sim.Transaction(id); err != nil {
		path = "/_sim/payments/" + id + "/outcome"
	}
	body, _ := json.Marshal(imojesim.Outcome{Outcome: "settle"})
	resp, err := http.Post(simURL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("simulator outcome: %d", resp.StatusCode)
	}
}

// served is one response as a client receives it.
type served struct {
	status      int
	contentType string
	body        string
}

func (d *diffEnv) serve(ctx context.Context, token, query string, vars map[string]any) served {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	req.Header.Set("X-Request-Id", "fastpath-diff") // errors carry it: the same for every run
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	d.Server.Handler.ServeHTTP(rec, req)
	return served{rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()}
}

// compare serves the operation with the pass off and twice on, fails the test when any bytes
// differ, and reports whether the pass wrote a root field itself (both times).
func (d *diffEnv) compare(t testing.TB, name, token, query string, vars map[string]any) bool {
	t.Helper()
	executed := d.serve(fastpath.Disabled(context.Background()), token, query, vars)
	var traces [2]fastpath.Trace
	for i := range traces {
		got := d.serve(fastpath.WithTrace(context.Background(), &traces[i]), token, query, vars)
		if !sameResponse(got, executed) {
			t.Errorf("%s (run %d): the one-pass rendering differs from gqlgen's execution\nquery: %s\nvariables: %v\nexecuted: %d %s %s\none pass: %d %s %s",
				name, i+1, query, vars, executed.status, executed.contentType, executed.body, got.status, got.contentType, got.body)
			return false
		}
	}
	return traces[0].Rendered.Load() > 0 && traces[1].Rendered.Load() == traces[0].Rendered.Load()
}

// sameResponse: the same status, content type and bytes — but for the order of the errors when
// there are several. gqlgen's own execution marshals list elements concurrently and collects
// their errors in the order they happen (two executed runs differ there too); data must still
// be the same bytes, and so must each error.
func sameResponse(a, b served) bool {
	if a == b {
		return true
	}
	if a.status != b.status || a.contentType != b.contentType {
		return false
	}
	type body struct {
		Data       json.RawMessage   `json:"data"`
		Errors     []json.RawMessage `json:"errors"`
		Extensions json.RawMessage   `json:"extensions"`
	}
	var x, y body
	if json.Unmarshal([]byte(a.body), &x) != nil || json.Unmarshal([]byte(b.body), &y) != nil {
		return false
	}
	if !bytes.Equal(x.Data, y.Data) || !bytes.Equal(x.Extensions, y.Extensions) || len(x.Errors) != len(y.Errors) || len(x.Errors) < 2 {
		return false
	}
	sorted := func(errs []json.RawMessage) []string {
		out := make([]string, len(errs))
		for i, e := range errs {
			out[i] = string(e)
		}
		sort.Strings(out)
		return out
	}
	return slices.Equal(sorted(x.Errors), sorted(y.Errors))
}

func (d *diffEnv) vars(extra map[string]any) map[string]any {
	v := map[string]any{"staff": d.staff, "from": "2026-03-03T00:00:00Z", "yes": true, "no": false}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

// TestFastPathMatchesExecutor is the hand-written corpus: the dashboard's own query and the
// widget's week, then aliases, fragments (nested, on Node, on the wrong type), directives with
// variables and literals, __typename, nulls, enums and custom scalars, empty, one and 100 items,
// errors, fields with resolvers (which must fall back), and another caller's view.
func TestFastPathMatchesExecutor(t *testing.T) {
	t.Parallel()
	d := newDiffEnv(t)
	dashboard := readDashboardQuery(t)
	const page = `query($staff: UUID!, $from: Time!, $first: Int%s) {
		reservations(filter: {staffMemberId: $staff, from: $from}, first: $first) { %s } }`
	type op struct {
		name, query string
		vars        map[string]any
		token       string // "" = the owner's; "-" = none
		rendered    bool   // the pass must write it itself
	}
	pageOp := func(name, sel string, first int, rendered bool) op {
		conditions := "" // declared only when used: an unused variable is a validation error
		if strings.Contains(sel, "$yes") {
			conditions = ", $yes: Boolean!, $no: Boolean!"
		}
		return op{name: name, query: fmt.Sprintf(page, conditions, sel), vars: map[string]any{"first": first}, rendered: rendered}
	}
	ops := []op{
		{name: "dashboard, 50", query: dashboard, rendered: true},
		{name: "dashboard, 0 (Bartek)", query: dashboard, vars: map[string]any{"staff": d.bartek}, rendered: true},
		{name: "dashboard, 1 (Celina)", query: dashboard, vars: map[string]any{"staff": d.celina}, rendered: true},
		{name: "dashboard, nothing after", query: dashboard, vars: map[string]any{"from": "2027-01-01T00:00:00Z"}, rendered: true},
		pageOp("100 items", `edges { cursor node { id startsAt endsAt status paymentStatus customer { id name email phone } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount`, 100, true),
		pageOp("1 item", `edges { node { id } } pageInfo { hasNextPage endCursor }`, 1, true),
		pageOp("every covered field", `totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node {
			id startsAt endsAt status paymentStatus holdExpiresAt decisionDeadline declineReason createdAt updatedAt
			price { amount currency } amountDue { amount currency } depositDue { amount currency } amountPaid { amount currency }
			amountRefunded { amount currency } balanceDue { amount currency } overpaidAmount { amount currency }
			customer { id name email phone }
			service { id name category durationMinutes price { amount currency } bufferBeforeMinutes bufferAfterMinutes capacity
				paymentPolicy depositKind depositValue holdMinutes requiresConfirmation active archivedAt }
			staffMember { id name active archivedAt }
			history { fromStatus toStatus fromPaymentStatus toPaymentStatus actor fromStartsAt toStartsAt fromStaffMemberId toStaffMemberId at }
			payments { id reservationId channel amount { amount currency } status redirectUrl failureCode refundedAmount { amount currency } createdAt paidAt }
		} }`, 20, true),
		pageOp("aliases", `e: edges { n: node { a: id b: id s: service { x: name } start: startsAt } } p: pageInfo { more: hasNextPage }`, 5, true),
		pageOp("__typename everywhere", `__typename edges { __typename node { __typename id service { __typename } payments { __typename } } }`, 3, true),
		pageOp("inline fragments", `edges { node { ... on Reservation { id } ... on Node { id } ... { startsAt } } }`, 5, true),
		pageOp("merged fields", `edges { node { service { id } service { name price { amount } } service { price { currency } } } } edges { cursor }`, 5, true),
		pageOp("directives with variables", `edges { node { id @include(if: $yes) startsAt @skip(if: $yes) endsAt @include(if: $no) status @skip(if: $no)
			service @include(if: $yes) { name @skip(if: $no) } ... @include(if: $no) { paymentStatus } ... @skip(if: $no) { price { amount } } } }`, 5, true),
		pageOp("literal directives", `edges { node { id @skip(if: true) startsAt @include(if: false) endsAt @include(if: true) } }`, 3, true),
		pageOp("nullable objects", `edges { node { depositDue { amount } overpaidAmount { amount } holdExpiresAt decisionDeadline } }`, 10, true),
		pageOp("a field with a resolver falls back", `edges { node { id note } }`, 10, false),
		pageOp("a resolver deep inside falls back", `edges { node { id payments { id refunds { id } } } }`, 5, false),
		pageOp("a staff member's services fall back", `edges { node { staffMember { id services { name } } } }`, 5, false),
		pageOp("a field with a directive falls back", `edges { node { staffMember { userId } } }`, 5, false),
		pageOp("the business falls back", `edges { node { business { name } } }`, 2, false),
		pageOp("customer record fields fall back", `edges { node { customer { name notes tags } } }`, 2, false),
		{name: "named fragments, nested", query: `query($staff: UUID!, $from: Time!) { reservations(filter: {staffMemberId: $staff, from: $from}, first: 7) { ...Page } }
			fragment Page on ReservationConnection { edges { ...Edge } pageInfo { ...Info } }
			fragment Edge on ReservationEdge { cursor node { ...R ...N } }
			fragment R on Reservation { id status price { ...M } service { ...S } payments { ...P } }
			fragment N on Node { id }
			fragment S on Service { name price { ...M } }
			fragment P on Payment { id status channel amount { ...M } }
			fragment M on Money { amount currency }
			fragment Info on PageInfo { hasNextPage endCursor }`, rendered: true},
		{name: "fragments with directives", query: `query($staff: UUID!, $from: Time!, $yes: Boolean!, $no: Boolean!) {
			reservations(filter: {staffMemberId: $staff, from: $from}, first: 4) { edges { node { ...A @include(if: $yes) ...B @include(if: $no) } } } }
			fragment A on Reservation { id service { name } }
			fragment B on Reservation { startsAt }`, rendered: true},
		{name: "fragments with directives, the other way", query: `query($staff: UUID!, $from: Time!, $yes: Boolean!, $no: Boolean!) {
			reservations(filter: {staffMemberId: $staff, from: $from}, first: 4) { edges { node { ...A @include(if: $yes) ...B @include(if: $no) } } } }
			fragment A on Reservation { id service { name } }
			fragment B on Reservation { startsAt }`, vars: map[string]any{"yes": false, "no": true}, rendered: true},
		{name: "the root twice, aliased", query: `query($staff: UUID!, $from: Time!) {
			a: reservations(filter: {staffMemberId: $staff, from: $from}, first: 2) { edges { node { id } } }
			b: reservations(filter: {staffMemberId: $staff, from: $from}, first: 3) { edges { node { startsAt } } } }`, rendered: true},
		{name: "the root merged", query: `query($staff: UUID!, $from: Time!, $no: Boolean!) {
			reservations(filter: {staffMemberId: $staff, from: $from}, first: 2) { edges { node { id } } }
			reservations(filter: {staffMemberId: $staff, from: $from}, first: 2) @include(if: $no) { edges { cursor } } }`, rendered: true},
		{name: "the root merged, included", query: `query($staff: UUID!, $from: Time!, $no: Boolean!) {
			reservations(filter: {staffMemberId: $staff, from: $from}, first: 2) { edges { node { id } } }
			reservations(filter: {staffMemberId: $staff, from: $from}, first: 2) @include(if: $no) { edges { cursor } } }`, vars: map[string]any{"no": true}, rendered: true},
		{name: "one reservation", query: `query($id: UUID!) { reservation(id: $id) { id status customer { name phone } service { name description } payments { id channel status paidAt } } }`,
			vars: map[string]any{"id": d.reservations[0]}, rendered: false},
		{name: "one reservation, covered", query: `query($id: UUID!) { reservation(id: $id) { id status customer { name phone } service { name } payments { id channel status paidAt amount { amount } } } }`,
			vars: map[string]any{"id": d.reservations[0]}, rendered: true},
		{name: "one reservation, unknown", query: `query($id: UUID!) { reservation(id: $id) { id } }`,
			vars: map[string]any{"id": "00000000-0000-4000-8000-000000000000"}},
		{name: "one reservation, the customer's token", query: `query($id: UUID!) { reservation(id: $id) { id status price { amount } payments { id status } } }`,
			vars: map[string]any{"id": d.reservations[0]}, token: d.customerToken, rendered: true},
		{name: "another's reservation, the customer's token", query: `query($id: UUID!) { reservation(id: $id) { id } }`,
			vars: map[string]any{"id": d.other}, token: d.customerToken},
		{name: "the agenda, the customer's token", query: dashboard, token: d.customerToken},
		{name: "the agenda, no token", query: dashboard, token: "-"},
		{name: "a mutation is executed", query: `mutation($id: UUID!) { confirmReservation(id: $id) { id status } }`, vars: map[string]any{"id": "00000000-0000-4000-8000-000000000000"}},
		{name: "an invalid query", query: `{ reservations(first: 2) { edges { node { nope } } } }`},
		{name: "a page too large", query: fmt.Sprintf(page, "", `edges { node { id } }`), vars: map[string]any{"first": 101}},
		{name: "deferred is refused", query: `query($staff: UUID!, $from: Time!) { reservations(filter: {staffMemberId: $staff, from: $from}, first: 2) { edges { node { id ... @defer { startsAt } } } } }`},
		{name: "a week of slots", query: availabilityQuery, vars: d.weekVars(d.service, nil), token: "-", rendered: true},
		{name: "a week of slots, another service", query: availabilityQuery, vars: d.weekVars(d.massage, nil), token: "-", rendered: true},
		{name: "a week of slots, one staff member", query: availabilityQuery, vars: d.weekVars(d.service, &d.celina), token: "-", rendered: true},
		{name: "a week of slots, staff", query: `query($slug: String!, $service: UUID!, $from: Date!, $to: Date!) {
			availability(tenantSlug: $slug, serviceId: $service, from: $from, to: $to) { __typename timeZone days { date slots { startsAt endsAt localStart staff { seatsLeft staffMember { id name active archivedAt __typename } } } } } }`,
			vars: d.weekVars(d.service, nil), rendered: true},
		{name: "slots with a resolver", query: `query($slug: String!, $service: UUID!, $from: Date!, $to: Date!) {
			availability(tenantSlug: $slug, serviceId: $service, from: $from, to: $to) { days { slots { staff { staffMember { services { id } } } } } } }`,
			vars: d.weekVars(d.service, nil), token: "-"},
		{name: "slots of an unknown business", query: availabilityQuery, vars: d.weekVars(d.service, nil, "no-such-business"), token: "-"},
		{name: "slots, the range refused", query: availabilityQuery, vars: map[string]any{"slug": d.owner.Slug, "service": d.service, "from": "2026-03-10", "to": "2026-03-01"}, token: "-"},
	}
	for _, o := range ops {
		vars := d.vars(o.vars)
		token := d.owner.AccessToken
		switch o.token {
		case "-":
			token = ""
		case "":
		default:
			token = o.token
		}
		if o.query == availabilityQuery || o.vars["slug"] != nil {
			vars = o.vars
		}
		rendered := d.compare(t, o.name, token, o.query, vars)
		if o.rendered && !rendered {
			t.Errorf("%s: the one-pass rendering did not write it", o.name)
		}
		if !o.rendered && rendered {
			t.Errorf("%s: written in one pass, but it must fall back (it has fields the pass does not cover, or fails)", o.name)
		}
	}
}

const availabilityQuery = `query($slug: String!, $service: UUID!, $from: Date!, $to: Date!, $staff: UUID) {
	availability(tenantSlug: $slug, serviceId: $service, from: $from, to: $to, staffMemberId: $staff) {
		timeZone days { date slots { startsAt endsAt localStart staff { seatsLeft staffMember { id name } } } } } }`

func (d *diffEnv) weekVars(service string, staff *string, slug ...string) map[string]any {
	v := map[string]any{"slug": d.owner.Slug, "service": service, "from": "2026-03-03", "to": "2026-03-09"}
	if len(slug) > 0 {
		v["slug"] = slug[0]
	}
	if staff != nil {
		v["staff"] = *staff
	}
	return v
}

func readDashboardQuery(t testing.TB) string {
	t.Helper()
	q, err := os.ReadFile("../../bench/dashboard.graphql") // the bench's dashboard query
	if err != nil {
		t.Fatal(err)
	}
	return string(q)
}
