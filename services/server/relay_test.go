package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/server/servertest"
)

// Relay's object identification and connections, as a Relay client uses them: node(id:) and
// nodes(ids:) over every Node type, and every connection paged both ways.

type nodeResult struct {
	Typename string `json:"__typename"`
	ID       string
}

const nodesOp = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`

// nodesAs resolves ids with token (empty: no token); a null is an empty nodeResult.
func nodesAs(t *testing.T, env *servertest.Env, token string, ids ...string) []nodeResult {
	t.Helper()
	var out struct{ Nodes []*nodeResult }
	env.Must(token, nodesOp, map[string]any{"ids": ids}, &out)
	if len(out.Nodes) != len(ids) {
		t.Fatalf("%d nodes for %d ids", len(out.Nodes), len(ids))
	}
	res := make([]nodeResult, len(ids))
	for i, n := range out.Nodes {
		if n != nil {
			res[i] = *n
		}
	}
	return res
}

// nodeAs is node(id:) with token: the type name, or "" for null.
func nodeAs(t *testing.T, env *servertest.Env, token, id string) string {
	t.Helper()
	var out struct{ Node *nodeResult }
	env.Must(token, `query($id: ID!) { node(id: $id) { __typename id } }`, map[string]any{"id": id}, &out)
	if out.Node == nil {
		return ""
	}
	if out.Node.ID != id {
		t.Fatalf("node(%s) answered id %s", id, out.Node.ID)
	}
	return out.Node.Typename
}

func TestNodeResolvesEveryNodeType(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "nodes")
	owner := p.owner.AccessToken
	r, pay := p.paidReservation(t, "node-pay")
	var refund struct{ RefundPayment struct{ ID string } }
	p.Must(owner, `mutation($in: RefundPaymentInput!) { refundPayment(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"paymentId": pay.ID, "amount": 1000}}, &refund)
	p.waitFor(t, r.Reservation.ID, "PARTIALLY_REFUNDED", func(s reservationState) bool { return s.PaymentStatus == "PARTIALLY_REFUNDED" })
	var off struct{ AddTimeOff struct{ ID string } }
	p.Must(owner, `mutation($in: TimeOffInput!) { addTimeOff(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"staffMemberId": p.staff, "startsAt": p.day.AddDate(0, 0, 5).Format(time.RFC3339), "endsAt": p.day.AddDate(0, 0, 6).Format(time.RFC3339)}}, &off)
	var inv struct {
		InviteStaff struct{ Invitation struct{ ID string } }
	}
	p.Must(owner, `mutation { inviteStaff(input: {email: "later@nodes.example.com", role: STAFF}) { invitation { id } } }`, nil, &inv)
	var notes struct {
		PaymentNotifications struct {
			Edges []struct {
				Node struct{ ID, Outcome, Kind string }
			}
		}
	}
	p.Must(owner, `{ paymentNotifications(first: 100) { edges { node { id outcome kind } } } }`, nil, &notes)
	if len(notes.PaymentNotifications.Edges) == 0 {
		t.Fatal("no imoje notification kept")
	}
	note := notes.PaymentNotifications.Edges[0].Node.ID

	want := map[string]string{
		r.Reservation.ID: "Reservation", p.service: "Service", p.staff: "StaffMember", off.AddTimeOff.ID: "TimeOff",
		pay.ID: "Payment", refund.RefundPayment.ID: "Refund", p.method: "PaymentMethod", note: "PaymentNotification",
		inv.InviteStaff.Invitation.ID: "Invitation", p.owner.TenantID: "Tenant", p.owner.UserID: "User",
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, n := range nodesAs(t, p.Env, owner, ids...) {
		if n.Typename != want[ids[i]] || n.ID != ids[i] {
			t.Errorf("nodes[%d] (%s) = %+v, want %s", i, ids[i], n, want[ids[i]])
		}
	}
	for id, typ := range want {
		if got := nodeAs(t, p.Env, owner, id); got != typ {
			t.Errorf("node(%s) = %q, want %s", id, got, typ)
		}
	}

	// A reservation read as a node carries its relations, like every field returning reservations.
	var withRelations struct {
		Node struct {
			Service     struct{ Name string }
			StaffMember struct{ Name string }
			History     []struct{ ToStatus string }
			Payments    []struct{ ID string }
		}
	}
	p.Must(owner, `query($id: ID!) { node(id: $id) { ... on Reservation { service { name } staffMember { name } history { toStatus } payments { id } } } }`,
		map[string]any{"id": r.Reservation.ID}, &withRelations)
	if n := withRelations.Node; n.Service.Name != "Haircut" || n.StaffMember.Name != "Anna" || len(n.History) < 2 || len(n.Payments) != 1 || n.Payments[0].ID != pay.ID {
		t.Fatalf("reservation node relations %+v", n)
	}
	// The id is the UUID every UUID argument takes.
	var byUUID struct{ Reservation struct{ ID string } }
	p.Must(owner, `query($id: UUID!) { reservation(id: $id) { id } }`, map[string]any{"id": r.Reservation.ID}, &byUUID)
	if byUUID.Reservation.ID != r.Reservation.ID {
		t.Fatalf("reservation(id:) answered %q", byUUID.Reservation.ID)
	}

	// Another business resolves none of them, but its own.
	other := p.SignUp("nodes-other")
	for i, n := range nodesAs(t, p.Env, other.AccessToken, ids...) {
		if n != (nodeResult{}) {
			t.Errorf("another business resolved %s as %+v", ids[i], n)
		}
	}
	if got := nodeAs(t, p.Env, other.AccessToken, other.TenantID); got != "Tenant" {
		t.Fatalf("own tenant as node: %q", got)
	}

	// The customer token: its reservation, that reservation's payment and refund, nothing else.
	second := p.book(t)
	customer := map[string]string{r.Reservation.ID: "Reservation", pay.ID: "Payment", refund.RefundPayment.ID: "Refund"}
	for i, n := range nodesAs(t, p.Env, r.CustomerAccessToken, append(ids, second.Reservation.ID)...) {
		id := append(ids, second.Reservation.ID)[i]
		if n.Typename != customer[id] {
			t.Errorf("customer token: node %s = %+v, want %q", id, n, customer[id])
		}
	}
	// Without a token, nothing; malformed and unknown ids are null; the order is the order asked.
	for i, n := range nodesAs(t, p.Env, "", ids...) {
		if n != (nodeResult{}) {
			t.Errorf("public caller resolved %s as %+v", ids[i], n)
		}
	}
	mixed := nodesAs(t, p.Env, owner, p.service, "not-an-id", uuid.NewString(), other.TenantID, strings.ToUpper(r.Reservation.ID), r.Reservation.ID)
	wantMixed := []string{"Service", "", "", "", "", "Reservation"}
	for i, n := range mixed {
		if n.Typename != wantMixed[i] {
			t.Errorf("mixed nodes[%d] = %+v, want %q", i, n, wantMixed[i])
		}
	}

	// A STAFF member reads what STAFF may: not invitations nor imoje's notifications.
	staff := p.join(t, "staff@nodes.example.com", "STAFF")
	got := nodesAs(t, p.Env, staff.AccessToken, inv.InviteStaff.Invitation.ID, note, r.Reservation.ID, p.owner.UserID, staff.UserID)
	if got[0].Typename != "" || got[1].Typename != "" || got[2].Typename != "Reservation" || got[3].Typename != "User" || got[4].Typename != "User" {
		t.Fatalf("STAFF nodes %+v", got)
	}

	// At most 100 ids.
	many := make([]string, 101)
	for i := range many {
		many[i] = uuid.NewString()
	}
	e := p.MustFail(owner, nodesOp, map[string]any{"ids": many}, "BAD_USER_INPUT")
	if e.Field() != "ids" || e.Extensions["reason"] != "TOO_LONG" {
		t.Fatalf("101 ids: %+v", e)
	}

	// The payments domain's lists.
	for _, c := range []struct {
		field, args string
		want        []string
	}{
		{"payments", "", []string{pay.ID}},
		{"payments", `filter: {statuses: [PAID], channels: [PBL]}`, []string{pay.ID}},
		{"payments", `filter: {statuses: [FAILED]}`, nil},
		{"refunds", "", []string{refund.RefundPayment.ID}},
		{"refunds", `filter: {statuses: [FAILED]}`, nil},
	} {
		fwd, total := pageThrough(t, p.Env, owner, c.field, c.args, 1, false)
		if !slices.Equal(fwd, c.want) || total != len(c.want) {
			t.Errorf("%s(%s) = %v (total %d), want %v", c.field, c.args, fwd, total, c.want)
		}
	}
	fwd, total := pageThrough(t, p.Env, owner, "paymentNotifications", "", 1, false)
	back, _ := pageThrough(t, p.Env, owner, "paymentNotifications", "", 1, true)
	if total != len(notes.PaymentNotifications.Edges) || len(fwd) != total || !slices.Equal(fwd, back) {
		t.Fatalf("notifications forward %v, backward %v, total %d", fwd, back, total)
	}
	p.MustFail(staff.AccessToken, `{ paymentNotifications { totalCount } }`, nil, "FORBIDDEN")
	p.MustFail(r.CustomerAccessToken, `{ payments { totalCount } }`, nil, "FORBIDDEN")
}

// pageThrough reads a whole connection in pages of size, forward (first/after) or backward
// (last/before), and returns the ids in the connection's order and its totalCount.
func pageThrough(t *testing.T, env *servertest.Env, token, field, args string, size int, backward bool) ([]string, int) {
	t.Helper()
	if args != "" {
		args += ", "
	}
	var ids []string
	var cursor *string
	total := -1
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatalf("%s: more than 50 pages", field)
		}
		node := "id"
		if field == "membersConnection" {
			node = "user { id }" // a membership has no id of its own
		}
		q := fmt.Sprintf(`query($n: Int, $c: String) { list: %s(%sfirst: $n, after: $c) {
			edges { cursor node { %s } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }`, field, args, node)
		if backward {
			q = strings.Replace(q, "first: $n, after: $c", "last: $n, before: $c", 1)
		}
		var out struct {
			List struct {
				Edges []struct {
					Cursor string
					Node   struct {
						ID   string
						User struct{ ID string }
					}
				}
				PageInfo struct {
					HasNextPage, HasPreviousPage bool
					StartCursor, EndCursor       *string
				}
				TotalCount int
			}
		}
		env.Must(token, q, map[string]any{"n": size, "c": cursor}, &out)
		l := out.List
		if total >= 0 && l.TotalCount != total {
			t.Fatalf("%s: totalCount changed from %d to %d between pages", field, total, l.TotalCount)
		}
		total = l.TotalCount
		page := make([]string, len(l.Edges))
		for i, e := range l.Edges {
			page[i] = e.Node.ID + e.Node.User.ID
		}
		if len(l.Edges) > 0 && (*l.PageInfo.StartCursor != l.Edges[0].Cursor || *l.PageInfo.EndCursor != l.Edges[len(l.Edges)-1].Cursor) {
			t.Fatalf("%s: pageInfo cursors %+v do not match the edges", field, l.PageInfo)
		}
		more := l.PageInfo.HasNextPage
		if backward {
			more = l.PageInfo.HasPreviousPage
			ids = append(page, ids...)
			cursor = l.PageInfo.StartCursor
		} else {
			ids = append(ids, page...)
			cursor = l.PageInfo.EndCursor
		}
		// A page read after or before a cursor says that rows lie on the cursor's side.
		if pages > 0 && ((!backward && !l.PageInfo.HasPreviousPage) || (backward && !l.PageInfo.HasNextPage)) {
			t.Fatalf("%s: page %d after a cursor says nothing precedes it: %+v", field, pages, l.PageInfo)
		}
		if !more {
			return ids, total
		}
		if len(l.Edges) != size {
			t.Fatalf("%s: short page %d with more to come", field, len(l.Edges))
		}
	}
}

func TestConnectionsPageBothWays(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "pages", nil)
	owner := b.owner.AccessToken
	bea := b.createStaff(t, "Bea", b.service)
	b.workEveryDay(t, bea)
	// Two staff members booked at the same hours: equal start times, told apart by id.
	var booked []string
	for _, hour := range []int{12, 9, 15, 10} {
		for _, staff := range []string{b.staff, bea} {
			booked = append(booked, b.book(t, hour, staff).Reservation.ID)
		}
	}
	// Three more customers (Jan Kowalski booked all of the above): four customer records.
	for i, who := range []string{"Ola", "ewa", "Adam"} {
		in := b.reservationInput(time.Date(2026, 3, 4, []int{11, 13, 14}[i], 0, 0, 0, warsaw), "")
		in["customer"] = map[string]any{"name": who + " Nowak", "email": strings.ToLower(who) + "@example.com"}
		var out struct{ CreateReservation createdReservation }
		b.Must("", createReservationOp, map[string]any{"in": in}, &out)
		booked = append(booked, out.CreateReservation.Reservation.ID)
	}
	for _, name := range []string{"Manicure", "Beard trim", "Colouring", "Wash"} {
		b.createService(t, map[string]any{"name": name})
	}
	archived := b.createService(t, map[string]any{"name": "Old"})
	b.Must(owner, `mutation($id: UUID!) { archiveService(id: $id) { id } }`, map[string]any{"id": archived}, nil)
	b.createStaff(t, "Cyril")
	b.join(t, "one@pages.example.com", "STAFF")
	b.join(t, "two@pages.example.com", "ADMIN")

	type listCase struct {
		name, field, args string
		total             int
		order             func([]string) bool // the order the list must be in, when the test knows it
	}
	var reservations struct {
		Reservations struct {
			Edges []struct {
				Node struct {
					ID        string
					StartsAt  time.Time
					CreatedAt time.Time
				}
			}
		}
	}
	b.Must(owner, `{ reservations(first: 100) { edges { node { id startsAt createdAt } } } }`, nil, &reservations)
	startOf, createdOf := map[string]time.Time{}, map[string]time.Time{}
	for _, e := range reservations.Reservations.Edges {
		startOf[e.Node.ID], createdOf[e.Node.ID] = e.Node.StartsAt, e.Node.CreatedAt
	}
	sortedBy := func(at map[string]time.Time, desc bool) func([]string) bool {
		return func(ids []string) bool {
			return slices.IsSortedFunc(ids, func(x, y string) int {
				c := at[x].Compare(at[y])
				if c == 0 {
					c = strings.Compare(x, y) // the tie-breaker: the id (UUIDs compare as their text)
				}
				if desc {
					c = -c
				}
				return c
			})
		}
	}
	cases := []listCase{
		{"reservations by start", "reservations", "", len(booked), sortedBy(startOf, false)},
		{"reservations latest start first", "reservations", "orderBy: START_TIME_DESC", len(booked), sortedBy(startOf, true)},
		{"reservations by booking", "reservations", "orderBy: CREATED_AT_ASC", len(booked), sortedBy(createdOf, false)},
		{"reservations newest booking first", "reservations", "orderBy: CREATED_AT_DESC", len(booked), sortedBy(createdOf, true)},
		{"reservations filtered", "reservations", fmt.Sprintf(`filter: {staffMemberId: %q}`, bea), 4, sortedBy(startOf, false)},
		{"services", "servicesConnection", "", 5, nil},
		{"services with archived, Z to A", "servicesConnection", "includeArchived: true, orderBy: NAME_DESC", 6, nil},
		{"services by creation", "servicesConnection", "orderBy: CREATED_AT_ASC", 5, nil},
		{"staff members", "staffMembersConnection", "", 3, nil},
		{"staff members newest first", "staffMembersConnection", "orderBy: CREATED_AT_DESC", 3, nil},
		{"members", "membersConnection", "", 3, nil},
		{"members newest first", "membersConnection", "orderBy: CREATED_AT_DESC", 3, nil},
		{"customers", "customers", "", 4, nil},
		{"customers found by search", "customers", `search: "nowak"`, 3, nil},
	}
	for _, c := range cases {
		for _, size := range []int{1, 2, 3, 100} {
			fwd, total := pageThrough(t, b.Env, owner, c.field, c.args, size, false)
			back, backTotal := pageThrough(t, b.Env, owner, c.field, c.args, size, true)
			if total != c.total || backTotal != c.total || len(fwd) != c.total {
				t.Errorf("%s by %d: %d rows, totalCount %d/%d, want %d", c.name, size, len(fwd), total, backTotal, c.total)
			}
			if !slices.Equal(fwd, back) {
				t.Errorf("%s by %d: forward %v, backward %v", c.name, size, fwd, back)
			}
			if c.order != nil && !c.order(fwd) {
				t.Errorf("%s: out of order: %v", c.name, fwd)
			}
		}
	}
	// Names A to Z, then Z to A, with the archived one only when asked for.
	names := func(args string) []string {
		var out struct {
			ServicesConnection struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
		b.Must(owner, `{ servicesConnection(`+args+`) { edges { node { name } } } }`, nil, &out)
		var got []string
		for _, e := range out.ServicesConnection.Edges {
			got = append(got, e.Node.Name)
		}
		return got
	}
	if got := names("first: 100"); !slices.Equal(got, []string{"Beard trim", "Colouring", "Haircut", "Manicure", "Wash"}) {
		t.Errorf("services A to Z: %v", got)
	}
	if got := names("includeArchived: true, orderBy: NAME_DESC"); !slices.Equal(got, []string{"Wash", "Old", "Manicure", "Haircut", "Colouring", "Beard trim"}) {
		t.Errorf("services Z to A: %v", got)
	}
}

func TestConnectionArgumentsAreChecked(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "page-args", nil)
	owner := b.owner.AccessToken
	for _, hour := range []int{9, 10, 11} {
		b.book(t, hour, "")
	}
	var first struct {
		Reservations struct{ PageInfo struct{ EndCursor string } }
	}
	b.Must(owner, `{ reservations(first: 1) { pageInfo { endCursor } } }`, nil, &first)
	var services struct {
		ServicesConnection struct{ PageInfo struct{ EndCursor string } }
	}
	b.Must(owner, `{ servicesConnection(first: 1) { pageInfo { endCursor } } }`, nil, &services)
	startCursor, serviceCursor := first.Reservations.PageInfo.EndCursor, services.ServicesConnection.PageInfo.EndCursor

	type problem struct{ field, reason string }
	for _, c := range []struct {
		name, query string
		want        []problem
	}{
		{"first 0", `{ reservations(first: 0) { totalCount } }`, []problem{{"first", "OUT_OF_RANGE"}}},
		{"first 101", `{ servicesConnection(first: 101) { totalCount } }`, []problem{{"first", "OUT_OF_RANGE"}}},
		{"last 0", `{ staffMembersConnection(last: 0) { totalCount } }`, []problem{{"last", "OUT_OF_RANGE"}}},
		{"first and last", `{ membersConnection(first: 2, last: 2) { totalCount } }`, []problem{{"last", "INCONSISTENT"}}},
		{"garbage cursor", `{ payments(after: "garbage") { totalCount } }`, []problem{{"after", "INVALID_FORMAT"}}},
		{"another ordering's cursor", fmt.Sprintf(`{ reservations(after: %q, orderBy: CREATED_AT_DESC) { totalCount } }`, startCursor),
			[]problem{{"after", "INVALID_FORMAT"}}},
		{"another list's cursor", fmt.Sprintf(`{ staffMembersConnection(before: %q, last: 1) { totalCount } }`, serviceCursor),
			[]problem{{"before", "INVALID_FORMAT"}}},
		{"all at once", `{ refunds(first: -1, last: 500, after: "x", before: "y") { totalCount } }`,
			[]problem{{"first", "OUT_OF_RANGE"}, {"last", "OUT_OF_RANGE"}, {"last", "INCONSISTENT"}, {"after", "INVALID_FORMAT"}, {"before", "INVALID_FORMAT"}}},
		{"with the filter's", `{ reservations(first: 0, filter: {search: "` + strings.Repeat("x", 201) + `"}) { totalCount } }`,
			[]problem{{"first", "OUT_OF_RANGE"}, {"filter.search", "TOO_LONG"}}},
	} {
		r := b.Do(owner, c.query, nil)
		var got []problem
		for _, e := range r.Errors {
			if e.Code() != "BAD_USER_INPUT" {
				t.Errorf("%s: %+v", c.name, e)
			}
			reason, _ := e.Extensions["reason"].(string)
			got = append(got, problem{e.Field(), reason})
		}
		if !slices.Equal(got, c.want) || string(r.Data) != "null" {
			t.Errorf("%s: errors %v (data %s), want %v", c.name, got, r.Data, c.want)
		}
	}
	// Unchanged for clients that never heard of last/before: first defaults to 20, after pages on.
	var page struct {
		Reservations struct {
			Edges    []struct{ Node struct{ ID string } }
			PageInfo struct{ HasNextPage, HasPreviousPage bool }
		}
	}
	b.Must(owner, `query($c: String) { reservations(after: $c) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage } } }`,
		map[string]any{"c": startCursor}, &page)
	if len(page.Reservations.Edges) != 2 || page.Reservations.PageInfo.HasNextPage || !page.Reservations.PageInfo.HasPreviousPage {
		t.Fatalf("page after the first: %+v", page)
	}
}

// TestTotalCountOnlyWhenSelected: a page without totalCount sends no count statement.
func TestTotalCountOnlyWhenSelected(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "page-count", nil)
	owner := b.owner.AccessToken
	b.book(t, 9, "")
	statements := func(query string) int64 {
		b.Must(owner, query, nil, nil) // warm: the membership read, prepared statements
		b.Wire.Reset()
		var out json.RawMessage
		b.Must(owner, query, nil, &out)
		n, _ := b.Wire.Counts()
		return n
	}
	for _, field := range []string{"reservations", "servicesConnection", "staffMembersConnection", "payments", "refunds", "paymentNotifications"} {
		without := statements(`{ ` + field + `(first: 5) { edges { cursor } } }`)
		with := statements(`{ ` + field + `(first: 5) { edges { cursor } totalCount } }`)
		if with != without+1 {
			t.Errorf("%s: %d statements without totalCount, %d with; want one more", field, without, with)
		}
	}
}

// A customer record is a Node for staff of its business only.
func TestCustomerIsANodeForStaffOnly(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "customer-node", nil)
	r := b.book(t, 10, "")
	var got struct {
		Reservation struct{ Customer struct{ ID string } }
	}
	b.Must(b.owner.AccessToken, `query($id: UUID!) { reservation(id: $id) { customer { id } } }`, map[string]any{"id": r.Reservation.ID}, &got)
	id := got.Reservation.Customer.ID
	var node struct {
		Node *struct {
			Typename string `json:"__typename"`
			ID, Name string
		}
	}
	const op = `query($id: ID!) { node(id: $id) { __typename ... on Customer { id name } } }`
	b.Must(b.owner.AccessToken, op, map[string]any{"id": id}, &node)
	if node.Node == nil || node.Node.Typename != "Customer" || node.Node.ID != id || node.Node.Name != "Jan Kowalski" {
		t.Fatalf("staff's node(%s) = %+v, want the customer", id, node.Node)
	}
	for who, token := range map[string]string{"the customer token": r.CustomerAccessToken, "no token": "",
		"another business": b.SignUp("customer-node-b").AccessToken} {
		node.Node = nil
		b.Must(token, op, map[string]any{"id": id}, &node)
		if node.Node != nil {
			t.Errorf("%s resolved the customer: %+v", who, node.Node)
		}
	}
}
