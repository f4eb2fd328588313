package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slotpay/slotpay/imojesim"
)

// bookAs books the env's service at start publicly for the person given, returning the reservation
// id, its customer's id and the customer token.
func (b *bookingEnv) bookAs(t *testing.T, start time.Time, name, email, phone string) (id, customerID, token string) {
	t.Helper()
	in := b.reservationInput(start, "")
	in["customer"] = map[string]any{"name": name, "email": email, "phone": phone}
	var out struct {
		CreateReservation struct {
			CustomerAccessToken string
			Reservation         struct {
				ID       string
				Customer struct{ ID, Name, Email string }
			}
		}
	}
	b.Must("", `mutation($in: CreateReservationInput!) { createReservation(input: $in) {
		customerAccessToken reservation { id customer { id name email } } } }`, map[string]any{"in": in}, &out)
	r := out.CreateReservation
	return r.Reservation.ID, r.Reservation.Customer.ID, r.CustomerAccessToken
}

// TestSameCustomerAcrossWritings: one person booking with the e-mail and phone written
// differently is one customer; a new e-mail with a known phone is the same customer too; another
// business's customer with the same e-mail is another record, out of reach of the first business.
func TestSameCustomerAcrossWritings(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "cust-writings", nil)
	day := time.Date(2026, 3, 4, 9, 0, 0, 0, warsaw)
	_, first, _ := b.bookAs(t, day, "Jan Kowalski", "  Jan.Kowalski@Example.COM ", "+48 600 100 200")
	_, second, _ := b.bookAs(t, day.Add(time.Hour), "Jan K.", "jan.kowalski@example.com", "600-100-200")
	_, third, _ := b.bookAs(t, day.Add(2*time.Hour), "Jan", "jk@work.example", "0048 600 100 200")
	_, gmail, _ := b.bookAs(t, day.Add(3*time.Hour), "Jan", "jankowalski@example.com", "")
	if first == "" || second != first || third != first {
		t.Fatalf("customers %q %q %q, want one", first, second, third)
	}
	if gmail == first {
		t.Fatal("an address without the dot matched: dots are not dropped")
	}
	if n := b.Count(`SELECT count(*) FROM customers WHERE tenant_id = $1`, b.owner.TenantID); n != 2 {
		t.Fatalf("%d customers, want 2", n)
	}

	// The record keeps the first booking's writing; each reservation keeps what was typed.
	var got struct {
		Customer struct {
			ID, Name, Email string
			Phone           *string
			Stats           struct{ VisitCount int }
		}
		Reservations struct {
			Edges []struct {
				Node struct {
					Customer struct{ ID, Name, Email string }
				}
			}
		}
	}
	b.Must(b.owner.AccessToken, `query($id: UUID!) { customer(id: $id) { id name email phone stats { visitCount } }
		reservations(filter: {customerId: $id}) { edges { node { customer { id name email } } } } }`,
		map[string]any{"id": first}, &got)
	if got.Customer.Name != "Jan Kowalski" || got.Customer.Email != "jan.kowalski@example.com" || *got.Customer.Phone != "+48 600 100 200" ||
		got.Customer.Stats.VisitCount != 3 {
		t.Fatalf("customer %+v", got.Customer)
	}
	var names []string
	for _, e := range got.Reservations.Edges {
		if e.Node.Customer.ID != first {
			t.Fatalf("filter by customer: %+v", e.Node.Customer)
		}
		names = append(names, e.Node.Customer.Name+"/"+e.Node.Customer.Email)
	}
	if want := []string{"Jan Kowalski/jan.kowalski@example.com", "Jan K./jan.kowalski@example.com", "Jan/jk@work.example"}; !slices.Equal(names, want) {
		t.Fatalf("reservations' own customers %q, want %q", names, want)
	}

	// Another business: the same e-mail is its own customer, and neither business reaches the other's.
	other := b.SignUp("cust-writings-2")
	ob := &bookingEnv{Env: b.Env, clock: b.clock, owner: other}
	b.Must(other.AccessToken, `mutation { updateBookingSettings(input: {minNoticeMinutes: 0, slotStepMinutes: 15, bookingHorizonDays: 365}) { slotStepMinutes } }`, nil, nil)
	ob.service = ob.createService(t, nil)
	ob.staff = ob.createStaff(t, "Ola", ob.service)
	b.Must(other.AccessToken, `mutation($id: UUID!) { setWeeklySchedule(staffMemberId: $id, intervals: [{weekday: WEDNESDAY, start: "09:00", end: "17:00"}]) { weekday } }`,
		map[string]any{"id": ob.staff}, nil)
	_, theirs, _ := ob.bookAs(t, day, "Jan Kowalski", "jan.kowalski@example.com", "+48 600 100 200")
	if theirs == first {
		t.Fatal("a customer was matched across businesses")
	}
	for _, c := range []struct{ token, id string }{{b.owner.AccessToken, theirs}, {other.AccessToken, first}} {
		e := b.MustFail(c.token, `query($id: UUID!) { customer(id: $id) { name } }`, map[string]any{"id": c.id}, "NOT_FOUND")
		if e.Field() != "id" {
			t.Fatalf("field %q", e.Field())
		}
		b.MustFail(c.token, `mutation($id: UUID!) { updateCustomer(id: $id, input: {notes: "x"}) { id } }`, map[string]any{"id": c.id}, "NOT_FOUND")
	}
	b.MustFail(b.owner.AccessToken, `mutation($k: UUID!, $m: UUID!) { mergeCustomers(keepId: $k, mergeId: $m) { id } }`,
		map[string]any{"k": first, "m": theirs}, "NOT_FOUND")
	if n := b.Count(`SELECT count(*) FROM customers WHERE id = $1 AND notes IS NULL`, theirs); n != 1 {
		t.Fatal("another business's customer changed")
	}
}

// TestCustomersSearchAndPages: the list is in name order, a page at a time, and search finds
// a name or e-mail part ignoring case and a phone by its digits however they are spaced.
func TestCustomersSearchAndPages(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "cust-search", nil)
	day := time.Date(2026, 3, 4, 9, 0, 0, 0, warsaw)
	people := []struct{ name, email, phone string }{
		{"Zofia Nowak", "zofia@example.com", "+48 501 000 001"},
		{"Adam Kowalski", "adam@example.com", "+48 501 000 002"},
		{"Ewa Kowalska", "ewa.k@firma.example", ""},
		{"Bartosz Zieliński", "bartek@example.com", "+48 777 888 999"},
		{"Celina Wójcik", "celina@example.com", "+49 30 1234567"},
	}
	for i, p := range people {
		b.bookAs(t, day.Add(time.Duration(i)*time.Hour), p.name, p.email, p.phone)
	}
	const listOp = `query($s: String, $n: Int, $after: String) { customers(search: $s, first: $n, after: $after) {
		edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`
	type page struct {
		Customers struct {
			Edges    []struct{ Node struct{ Name string } }
			PageInfo struct {
				HasNextPage, HasPreviousPage bool
				EndCursor                    *string
			}
		}
	}
	list := func(search string, n int, after *string) ([]string, page) {
		t.Helper()
		var out page
		b.Must(b.owner.AccessToken, listOp, map[string]any{"s": search, "n": n, "after": after}, &out)
		var names []string
		for _, e := range out.Customers.Edges {
			names = append(names, e.Node.Name)
		}
		return names, out
	}
	for _, c := range []struct {
		search string
		want   []string
	}{
		{"", []string{"Adam Kowalski", "Bartosz Zieliński", "Celina Wójcik", "Ewa Kowalska", "Zofia Nowak"}},
		{"KOWAL", []string{"Adam Kowalski", "Ewa Kowalska"}},
		{"firma", []string{"Ewa Kowalska"}},
		{"ziel", []string{"Bartosz Zieliński"}},
		{"501 000", []string{"Adam Kowalski", "Zofia Nowak"}},
		{"777-888", []string{"Bartosz Zieliński"}},
		{"+49 30", []string{"Celina Wójcik"}},
		{"nobody", nil},
		{"100%_", nil},
	} {
		if got, _ := list(c.search, 20, nil); !slices.Equal(got, c.want) {
			t.Errorf("search %q: %q, want %q", c.search, got, c.want)
		}
	}
	var all []string
	var after *string
	for pages := 0; ; pages++ {
		names, p := list("", 2, after)
		all = append(all, names...)
		if p.Customers.PageInfo.HasPreviousPage != (after != nil) {
			t.Fatalf("page %d: hasPreviousPage %v", pages, p.Customers.PageInfo.HasPreviousPage)
		}
		if !p.Customers.PageInfo.HasNextPage {
			break
		}
		after = p.Customers.PageInfo.EndCursor
	}
	if want := []string{"Adam Kowalski", "Bartosz Zieliński", "Celina Wójcik", "Ewa Kowalska", "Zofia Nowak"}; !slices.Equal(all, want) {
		t.Fatalf("pages %q", all)
	}
	for _, c := range []struct {
		vars  map[string]any
		field string
	}{
		{map[string]any{"n": 0}, "first"},
		{map[string]any{"n": 101}, "first"},
		{map[string]any{"n": 5, "after": "not-a-cursor"}, "after"},
	} {
		if e := b.MustFail(b.owner.AccessToken, listOp, c.vars, "BAD_USER_INPUT"); e.Field() != c.field {
			t.Errorf("%v: field %q", c.vars, e.Field())
		}
	}
}

// TestUpdateCustomer: every bad field at once and nothing written; a valid edit changes the record
// but not what the reservations recorded; consents carry their date; another's e-mail is CONFLICT.
func TestUpdateCustomer(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "cust-update", nil)
	day := time.Date(2026, 3, 4, 9, 0, 0, 0, warsaw)
	resID, id, _ := b.bookAs(t, day, "Anna Nowak", "anna@example.com", "+48 600 000 001")
	_, otherID, _ := b.bookAs(t, day.Add(time.Hour), "Piotr", "piotr@example.com", "")
	const updateOp = `mutation($id: UUID!, $in: CustomerUpdateInput!) { updateCustomer(id: $id, input: $in) {
		id name email phone locale notes tags consents { marketingEmail marketingEmailAt marketingSms marketingSmsAt } } }`
	long := make([]byte, 5001)
	for i := range long {
		long[i] = 'x'
	}
	r := b.Do(b.owner.AccessToken, updateOp, map[string]any{"id": id, "in": map[string]any{
		"name": " ", "email": "not-an-address", "phone": "call me", "locale": "??", "notes": string(long), "tags": []string{"vip", string(long[:51])},
	}})
	var fields []string
	for _, e := range r.Errors {
		if e.Code() != "BAD_USER_INPUT" {
			t.Fatalf("error %+v", e)
		}
		fields = append(fields, e.Field())
	}
	if want := []string{"input.name", "input.email", "input.phone", "input.locale", "input.notes", "input.tags.1"}; !slices.Equal(fields, want) {
		t.Fatalf("fields %q, want %q", fields, want)
	}
	if n := b.Count(`SELECT count(*) FROM customers WHERE id = $1 AND name = 'Anna Nowak' AND notes IS NULL AND tags = '{}' AND updated_at = created_at`, id); n != 1 {
		t.Fatal("a refused update wrote something")
	}

	var out struct {
		UpdateCustomer struct {
			Name, Email   string
			Phone, Locale *string
			Notes         *string
			Tags          []string
			Consents      struct {
				MarketingEmail   bool
				MarketingEmailAt *time.Time
				MarketingSms     bool
				MarketingSmsAt   *time.Time
			}
		}
	}
	b.Must(b.owner.AccessToken, updateOp, map[string]any{"id": id, "in": map[string]any{
		"name": "Anna Nowak-Kowalska", "email": "Anna.NK@Example.com", "phone": "", "locale": "pl-PL", "notes": "prefers mornings",
		"tags": []string{"VIP", " vip ", "regular", ""}, "consents": map[string]any{"marketingEmail": true},
	}}, &out)
	u := out.UpdateCustomer
	if u.Name != "Anna Nowak-Kowalska" || u.Email != "anna.nk@example.com" || u.Phone != nil || *u.Locale != "pl-PL" ||
		*u.Notes != "prefers mornings" || !slices.Equal(u.Tags, []string{"VIP", "regular"}) ||
		!u.Consents.MarketingEmail || u.Consents.MarketingEmailAt == nil || !u.Consents.MarketingEmailAt.Equal(bookingTime) ||
		u.Consents.MarketingSms || u.Consents.MarketingSmsAt != nil {
		t.Fatalf("updated %+v", u)
	}
	var res struct {
		Reservation struct{ Customer struct{ Name, Email string } }
	}
	b.Must(b.owner.AccessToken, `query($id: UUID!) { reservation(id: $id) { customer { name email } } }`, map[string]any{"id": resID}, &res)
	if res.Reservation.Customer.Name != "Anna Nowak" || res.Reservation.Customer.Email != "anna@example.com" {
		t.Fatalf("the reservation's own customer changed: %+v", res.Reservation.Customer)
	}
	// The new address now finds her when she books again.
	if _, again, _ := b.bookAs(t, day.Add(2*time.Hour), "Anna", "anna.nk@example.com", ""); again != id {
		t.Fatalf("booking with the edited address: customer %s, want %s", again, id)
	}
	e := b.MustFail(b.owner.AccessToken, updateOp, map[string]any{"id": otherID, "in": map[string]any{"email": "anna.nk@example.com"}}, "CONFLICT")
	if e.Field() != "input.email" {
		t.Fatalf("field %q", e.Field())
	}
}

// TestCustomerVisitsMergeAndStats: two records of one person, each with a visit paid through the
// imoje simulator (one partly refunded), merge into one whose visits and totals add up; the merged
// record is gone, and merging a customer with itself is refused.
func TestCustomerVisitsMergeAndStats(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "cust-merge")
	const statsOp = `query($id: UUID!) { customer(id: $id) { id tags notes consents { marketingSms }
		stats { visitCount completedCount noShowCount cancelledCount amountPaid { amount currency } amountRefunded { amount currency } firstVisitAt lastVisitAt }
		visits(first: 10) { edges { node { id startsAt service { name } customer { email } } } pageInfo { hasNextPage } } } }`
	type stats struct {
		Customer struct {
			ID       string
			Tags     []string
			Notes    *string
			Consents struct{ MarketingSms bool }
			Stats    struct {
				VisitCount, CompletedCount, NoShowCount, CancelledCount int
				AmountPaid, AmountRefunded                              struct {
					Amount   int
					Currency string
				}
				FirstVisitAt, LastVisitAt *time.Time
			}
			Visits struct {
				Edges []struct {
					Node struct {
						ID       string
						StartsAt time.Time
						Service  *struct{ Name string }
						Customer struct{ Email string }
					}
				}
				PageInfo struct{ HasNextPage bool }
			}
		}
	}
	// Two records: the second booking uses another address and no phone.
	pay := func(email, phone, key string) (string, string, paymentResult) {
		t.Helper()
		start := p.day.Add(time.Duration(8*60+p.slot*60) * time.Minute)
		p.slot++
		id, customer, token := p.bookAs(t, start, "Marta Lis", email, phone)
		pr := p.initiate(t, token, map[string]any{"reservationId": id, "channel": "PBL", "bankCode": "ing", "idempotencyKey": key})
		p.outcome(t, *pr.ImojeTransactionID, imojesim.Outcome{Outcome: "settle"})
		p.waitFor(t, id, "PAID", paid)
		return id, customer, pr
	}
	firstRes, keep, _ := pay("marta@example.com", "+48 600 700 800", "m1")
	secondRes, merge, secondPay := pay("marta.lis@work.example", "", "m2")
	if keep == merge {
		t.Fatal("two addresses without a shared phone matched")
	}
	p.Must(p.owner.AccessToken, `mutation($id: UUID!) { updateCustomer(id: $id, input: {tags: ["vip"], notes: "allergic to latex"}) { id } }`, map[string]any{"id": keep}, nil)
	p.Must(p.owner.AccessToken, `mutation($id: UUID!) { updateCustomer(id: $id, input: {tags: ["VIP", "new"], notes: "pays by card", consents: {marketingSms: true}}) { id } }`, map[string]any{"id": merge}, nil)
	p.Must(p.owner.AccessToken, `mutation($in: RefundPaymentInput!) { refundPayment(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"paymentId": secondPay.ID, "amount": 2000}}, nil)
	p.waitFor(t, secondRes, "PARTIALLY_REFUNDED", func(s reservationState) bool { return s.PaymentStatus == "PARTIALLY_REFUNDED" })
	// A cancelled visit counts too.
	start := p.day.Add(time.Duration(8*60+p.slot*60) * time.Minute)
	p.slot++
	cancelledRes, c, _ := p.bookAs(t, start, "Marta", "MARTA@example.com", "")
	if c != keep {
		t.Fatalf("third booking: customer %s, want %s", c, keep)
	}
	p.Must(p.owner.AccessToken, `mutation($id: UUID!) { cancelReservation(id: $id) { id } }`, map[string]any{"id": cancelledRes}, nil)

	e := p.MustFail(p.owner.AccessToken, `mutation($k: UUID!, $m: UUID!) { mergeCustomers(keepId: $k, mergeId: $m) { id } }`,
		map[string]any{"k": keep, "m": keep}, "BAD_USER_INPUT")
	if e.Field() != "mergeId" {
		t.Fatalf("field %q", e.Field())
	}
	var merged struct{ MergeCustomers struct{ ID string } }
	p.Must(p.owner.AccessToken, `mutation($k: UUID!, $m: UUID!) { mergeCustomers(keepId: $k, mergeId: $m) { id } }`,
		map[string]any{"k": keep, "m": merge}, &merged)
	if merged.MergeCustomers.ID != keep {
		t.Fatalf("merge returned %s", merged.MergeCustomers.ID)
	}
	var got stats
	p.Must(p.owner.AccessToken, statsOp, map[string]any{"id": keep}, &got)
	c2 := got.Customer
	s := c2.Stats
	if s.VisitCount != 3 || s.CancelledCount != 1 || s.CompletedCount != 0 || s.NoShowCount != 0 ||
		s.AmountPaid.Amount != 2*priceAmount || s.AmountPaid.Currency != "PLN" || s.AmountRefunded.Amount != 2000 {
		t.Fatalf("stats %+v", s)
	}
	if !slices.Equal(c2.Tags, []string{"vip", "new"}) || *c2.Notes != "allergic to latex\n\npays by card" || !c2.Consents.MarketingSms {
		t.Fatalf("merged record %+v", c2)
	}
	var visits []string
	for i, edge := range c2.Visits.Edges {
		if edge.Node.Service == nil || edge.Node.Service.Name != "Haircut" {
			t.Fatalf("visit %d has no service: %+v", i, edge.Node)
		}
		if i > 0 && !edge.Node.StartsAt.Before(c2.Visits.Edges[i-1].Node.StartsAt) {
			t.Fatal("visits are not newest first")
		}
		visits = append(visits, edge.Node.ID)
	}
	if want := []string{cancelledRes, secondRes, firstRes}; !slices.Equal(visits, want) {
		t.Fatalf("visits %q, want %q", visits, want)
	}
	if c2.Visits.Edges[1].Node.Customer.Email != "marta.lis@work.example" {
		t.Fatal("a moved reservation lost what was typed at booking")
	}
	if s.FirstVisitAt == nil || !s.FirstVisitAt.Equal(c2.Visits.Edges[2].Node.StartsAt) || !s.LastVisitAt.Equal(c2.Visits.Edges[1].Node.StartsAt) {
		t.Fatalf("first/last visit %v %v", s.FirstVisitAt, s.LastVisitAt)
	}
	p.MustFail(p.owner.AccessToken, statsOp, map[string]any{"id": merge}, "NOT_FOUND")
	if n := p.Count(`SELECT count(*) FROM reservations WHERE customer_id = $1`, merge); n != 0 {
		t.Fatalf("%d reservations still point at the merged record", n)
	}
	// A page of one: the cursor pages on.
	var one stats
	p.Must(p.owner.AccessToken, `query($id: UUID!) { customer(id: $id) { visits(first: 1) { edges { node { id } } pageInfo { hasNextPage } } } }`,
		map[string]any{"id": keep}, &one)
	if len(one.Customer.Visits.Edges) != 1 || !one.Customer.Visits.PageInfo.HasNextPage {
		t.Fatalf("first page %+v", one.Customer.Visits)
	}
}

// TestCustomerTokenSeesOnlyItsBooking: the customer's own token reads its reservation's customer
// (name, e-mail, phone as typed, and the record's id) but none of the staff fields: notes, tags,
// consents, statistics or other visits.
func TestCustomerTokenSeesOnlyItsBooking(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "cust-token", nil)
	day := time.Date(2026, 3, 4, 9, 0, 0, 0, warsaw)
	resID, customerID, token := b.bookAs(t, day, "Ola", "ola@example.com", "+48 600 000 009")
	b.bookAs(t, day.Add(time.Hour), "Ola", "ola@example.com", "")
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { updateCustomer(id: $id, input: {notes: "secret"}) { id } }`, map[string]any{"id": customerID}, nil)

	var own struct {
		Reservation struct {
			Customer struct {
				ID, Name, Email string
				Phone           *string
			}
		}
	}
	b.Must(token, `query($id: UUID!) { reservation(id: $id) { customer { id name email phone } } }`, map[string]any{"id": resID}, &own)
	if c := own.Reservation.Customer; c.ID != customerID || c.Name != "Ola" || c.Email != "ola@example.com" || *c.Phone != "+48 600 000 009" {
		t.Fatalf("own customer %+v", c)
	}
	for _, field := range []string{"notes", "tags", "locale", "consents { marketingEmail }", "stats { visitCount }",
		"visits { edges { node { id } } }", "createdAt"} {
		r := b.Do(token, fmt.Sprintf(`query($id: UUID!) { reservation(id: $id) { customer { %s } } }`, field), map[string]any{"id": resID})
		if len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" {
			t.Errorf("%s with a customer token: %s %+v", field, r.Data, r.Errors)
		}
		// A nullable field is null beside its error; a non-null one nulls the whole (non-null) reservation.
		if d := string(r.Data); d != "null" && d != `{"reservation":{"customer":{"`+strings.Fields(field)[0]+`":null}}}` {
			t.Errorf("%s with a customer token answered data %s", field, r.Data)
		}
	}
	for _, op := range []string{`query($id: UUID!) { customer(id: $id) { notes } }`,
		`mutation($id: UUID!) { updateCustomer(id: $id, input: {notes: "mine"}) { id } }`} {
		b.MustFail(token, op, map[string]any{"id": customerID}, "FORBIDDEN")
	}
	b.MustFail(token, `query { customers { edges { node { id } } } }`, nil, "FORBIDDEN")
	// Staff see the notes on the same reservation.
	var staff struct {
		Reservation struct{ Customer struct{ Notes string } }
	}
	b.Must(b.owner.AccessToken, `query($id: UUID!) { reservation(id: $id) { customer { notes } } }`, map[string]any{"id": resID}, &staff)
	if staff.Reservation.Customer.Notes != "secret" {
		t.Fatalf("staff read %+v", staff)
	}
}

// TestConcurrentFirstBookingsShareOneCustomer: a person's first bookings sent at once (e-mail
// written differently each time) meet on one customer record, whichever commits first.
func TestConcurrentFirstBookingsShareOneCustomer(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "cust-race", nil)
	day := time.Date(2026, 3, 4, 9, 0, 0, 0, warsaw)
	var inputs []map[string]any
	for i := range 8 {
		in := b.reservationInput(day.Add(time.Duration(i)*time.Hour), "")
		in["customer"] = map[string]any{"name": "Ida", "email": strings.Repeat(" ", i%3) + []string{"Ida@Example.com", "ida@example.com", "IDA@EXAMPLE.COM"}[i%3]}
		inputs = append(inputs, in)
	}
	ids, codes := b.createConcurrently(t, inputs)
	if len(ids) != 8 {
		t.Fatalf("created %d, errors %v", len(ids), codes)
	}
	if n := b.Count(`SELECT count(*) FROM customers WHERE tenant_id = $1`, b.owner.TenantID); n != 1 {
		t.Fatalf("%d customers, want 1", n)
	}
	if n := b.Count(`SELECT count(DISTINCT customer_id) FROM reservations WHERE tenant_id = $1`, b.owner.TenantID); n != 1 {
		t.Fatalf("reservations link %d customers, want 1", n)
	}
}
