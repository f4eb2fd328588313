package server_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/mybookings"
	"github.com/slotpay/slotpay/services/ratelimit"
	"github.com/slotpay/slotpay/services/server/servertest"
)

// "My bookings" end to end: a link issued for a customer's e-mail (read back from the service that
// issues it, as the message would carry it) opens, once and only in time, a session that sees that
// customer's bookings at that business, each with the token that cancels, moves and pays it.

const (
	requestLinkOp = `mutation($slug: String!, $email: String!) { requestMyBookingsLink(input: {tenantSlug: $slug, email: $email}) { accepted linkValidMinutes } }`
	redeemLinkOp  = `mutation($slug: String!, $token: String!) { redeemMyBookingsLink(input: {tenantSlug: $slug, token: $token}) { accessToken expiresAt } }`
	myBookingsOp  = `{ myBookings { totalCount edges { node { id status startsAt customerAccessToken service { name } } } } }`
)

type myBookingsPage struct {
	MyBookings struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID, Status          string
				StartsAt            time.Time
				CustomerAccessToken *string
				Service             struct{ Name string }
			}
		}
	}
}

func (b *bookingEnv) issueLink(t *testing.T, email string) mybookings.Link {
	t.Helper()
	l, found, err := b.Server.MyBookings.IssueLink(context.Background(), uuid.MustParse(b.owner.TenantID), email)
	if err != nil || !found {
		t.Fatalf("issue link for %s: found %v, %v", email, found, err)
	}
	return l
}

func (b *bookingEnv) redeem(t *testing.T, token string) string {
	t.Helper()
	var out struct{ RedeemMyBookingsLink struct{ AccessToken string } }
	b.Must("", redeemLinkOp, map[string]any{"slug": b.owner.Slug, "token": token}, &out)
	return out.RedeemMyBookingsLink.AccessToken
}

// TestMyBookingsLinkWorksOnce: the link opens a session once; the session lists exactly this
// customer's reservations at this business (not another customer's, not the same e-mail's at
// another business), each with a customer token that cancels it under the policy; the session
// itself acts on nothing and reads no staff data.
func TestMyBookingsLinkWorksOnce(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "mine-once", nil)
	ob := otherBusiness(t, b, "mine-once-other")
	first := b.bookAt(t, time.Date(2026, 3, 10, 10, 0, 0, 0, warsaw), "jan@example.com")
	second := b.bookAt(t, time.Date(2026, 3, 12, 12, 0, 0, 0, warsaw), "Jan@Example.com")
	someoneElse := b.bookAt(t, time.Date(2026, 3, 11, 10, 0, 0, 0, warsaw), "ola@example.com")
	elsewhere := ob.bookAt(t, time.Date(2026, 3, 10, 10, 0, 0, 0, warsaw), "jan@example.com")

	link := b.issueLink(t, " JAN@example.com ")
	if link.URL != b.URL+"/b/mine-once/my-bookings#token="+link.Token || !link.ExpiresAt.Equal(b.clock.Now().Add(15*time.Minute)) {
		t.Fatalf("link %+v", link)
	}
	if n := b.Count(`SELECT count(*) FROM my_bookings_links WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, link.Token); n != 1 {
		t.Fatalf("stored by hash: %d", n)
	}
	if n := b.Count(`SELECT count(*) FROM my_bookings_links WHERE position(convert_to($1, 'UTF8') in token_hash) > 0`, link.Token); n != 0 {
		t.Fatal("the raw token is stored")
	}
	session := b.redeem(t, link.Token)
	e := b.MustFail("", redeemLinkOp, map[string]any{"slug": b.owner.Slug, "token": link.Token}, "UNAUTHENTICATED")
	if e.Message == "" {
		t.Fatal("no message")
	}

	var page myBookingsPage
	b.Must(session, myBookingsOp, nil, &page)
	edges := page.MyBookings.Edges
	if page.MyBookings.TotalCount != 2 || len(edges) != 2 || edges[0].Node.ID != second.Reservation.ID || edges[1].Node.ID != first.Reservation.ID ||
		edges[0].Node.Service.Name != "Haircut" {
		t.Fatalf("my bookings %+v (want %s, %s; not %s nor %s)", page, second.Reservation.ID, first.Reservation.ID, someoneElse.Reservation.ID, elsewhere.Reservation.ID)
	}
	// Each comes with its customer token, which acts exactly as the booking's own.
	token := edges[1].Node.CustomerAccessToken
	if token == nil {
		t.Fatal("no customer token")
	}
	var cancelled struct{ CancelReservation struct{ Status string } }
	b.Must(*token, `mutation($id: UUID!) { cancelReservation(id: $id) { status } }`, map[string]any{"id": first.Reservation.ID}, &cancelled)
	if cancelled.CancelReservation.Status != "CANCELLED" {
		t.Fatalf("cancel with the re-sent token: %+v", cancelled)
	}
	b.MustFail(*token, `query($id: UUID!) { reservation(id: $id) { id } }`, map[string]any{"id": second.Reservation.ID}, "NOT_FOUND")

	// The session alone: no reservation, no mutation, no staff list; the token is null elsewhere.
	b.MustFail(session, `query($id: UUID!) { reservation(id: $id) { id } }`, map[string]any{"id": second.Reservation.ID}, "FORBIDDEN")
	b.MustFail(session, `mutation($id: UUID!) { cancelReservation(id: $id) { id } }`, map[string]any{"id": second.Reservation.ID}, "FORBIDDEN")
	b.MustFail(session, `{ reservations { totalCount } }`, nil, "FORBIDDEN")
	b.MustFail(second.CustomerAccessToken, myBookingsOp, nil, "FORBIDDEN")
	b.MustFail("", myBookingsOp, nil, "UNAUTHENTICATED")
	var staffView struct {
		Reservation struct{ CustomerAccessToken *string }
	}
	b.Must(b.owner.AccessToken, `query($id: UUID!) { reservation(id: $id) { customerAccessToken } }`, map[string]any{"id": second.Reservation.ID}, &staffView)
	if staffView.Reservation.CustomerAccessToken != nil {
		t.Fatal("staff read a customer's token")
	}

	// A link of this business does not open another's; another customer's session sees theirs.
	other := b.issueLink(t, "ola@example.com")
	b.MustFail("", redeemLinkOp, map[string]any{"slug": ob.owner.Slug, "token": other.Token}, "UNAUTHENTICATED")
	b.Must(b.redeem(t, other.Token), myBookingsOp, nil, &page)
	if len(page.MyBookings.Edges) != 1 || page.MyBookings.Edges[0].Node.ID != someoneElse.Reservation.ID {
		t.Fatalf("ola's bookings %+v", page)
	}
	// Redeeming one link spends the customer's others.
	a, c := b.issueLink(t, "jan@example.com"), b.issueLink(t, "jan@example.com")
	b.redeem(t, a.Token)
	b.MustFail("", redeemLinkOp, map[string]any{"slug": b.owner.Slug, "token": c.Token}, "UNAUTHENTICATED")
}

// TestMyBookingsLinkExpires: a link is refused once its 15 minutes are over (controlled clock),
// and a session ends when its own lifetime does.
func TestMyBookingsLinkExpires(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "mine-expiry", nil)
	b.bookAt(t, time.Date(2026, 3, 10, 10, 0, 0, 0, warsaw), "jan@example.com")
	start := b.clock.Now()
	late := b.issueLink(t, "jan@example.com")
	b.clock.Set(start.Add(mybookings.LinkTTL))
	b.MustFail("", redeemLinkOp, map[string]any{"slug": b.owner.Slug, "token": late.Token}, "UNAUTHENTICATED")
	if n := b.Count(`SELECT count(*) FROM my_bookings_links WHERE used_at IS NOT NULL`); n != 0 {
		t.Fatalf("a refused link was spent: %d", n)
	}

	inTime := b.issueLink(t, "jan@example.com")
	b.clock.Set(b.clock.Now().Add(mybookings.LinkTTL - time.Second))
	session := b.redeem(t, inTime.Token)
	b.Must(session, myBookingsOp, nil, nil)
	b.clock.Set(b.clock.Now().Add(mybookings.SessionTTL + time.Minute))
	b.MustFail(session, myBookingsOp, nil, "UNAUTHENTICATED")
}

// TestMyBookingsSameAnswerForUnknownEmail: a known and an unknown e-mail get byte-identical
// answers; only the known one gets a link (issued after the answer); a malformed e-mail is
// BAD_USER_INPUT and an unknown business NOT_FOUND, neither of which says anything of a customer.
func TestMyBookingsSameAnswerForUnknownEmail(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "mine-enum", nil)
	b.bookAt(t, time.Date(2026, 3, 10, 10, 0, 0, 0, warsaw), "jan@example.com")
	known := b.Do("", requestLinkOp, map[string]any{"slug": b.owner.Slug, "email": "jan@example.com"})
	unknown := b.Do("", requestLinkOp, map[string]any{"slug": b.owner.Slug, "email": "nobody@example.com"})
	if len(known.Errors) > 0 || string(known.Data) != string(unknown.Data) || known.Status != unknown.Status {
		t.Fatalf("answers differ:\n%s %+v\n%s %+v", known.Data, known.Errors, unknown.Data, unknown.Errors)
	}
	var data struct{ RequestMyBookingsLink struct{ Accepted bool } }
	if err := json.Unmarshal(known.Data, &data); err != nil || !data.RequestMyBookingsLink.Accepted {
		t.Fatalf("answer %s", known.Data)
	}
	b.Server.MyBookings.Wait()
	if n := b.Count(`SELECT count(*) FROM my_bookings_links l JOIN customers c ON c.tenant_id = l.tenant_id AND c.id = l.customer_id WHERE c.email_normalized = 'jan@example.com'`); n != 1 {
		t.Fatalf("links for the known e-mail: %d", n)
	}
	if n := b.Count(`SELECT count(*) FROM my_bookings_links`); n != 1 {
		t.Fatalf("links in all: %d", n)
	}
	if e := b.MustFail("", requestLinkOp, map[string]any{"slug": b.owner.Slug, "email": "not-an-email"}, "BAD_USER_INPUT"); e.Field() != "input.email" {
		t.Fatalf("field %q", e.Field())
	}
	if e := b.MustFail("", requestLinkOp, map[string]any{"slug": "no-such-business", "email": "jan@example.com"}, "NOT_FOUND"); e.Field() != "input.tenantSlug" {
		t.Fatalf("field %q", e.Field())
	}
}

// TestMyBookingsRateLimited: asking for links is limited per business and e-mail and per client,
// redeeming per client; a refused request issues nothing; two redemptions in one request are
// refused before either runs.
func TestMyBookingsRateLimited(t *testing.T) {
	t.Parallel()
	limits := servertest.Roomy
	limits.MyBookingsEmail = ratelimit.Limit{N: 1, Per: time.Hour}
	limits.MyBookingsIP = ratelimit.Limit{N: 4, Per: time.Hour}
	b := newBookingEnv(t, "mine-limit", nil, servertest.WithRateLimits(limits))
	b.bookAt(t, time.Date(2026, 3, 10, 10, 0, 0, 0, warsaw), "jan@example.com")
	b.Must("", requestLinkOp, map[string]any{"slug": b.owner.Slug, "email": "jan@example.com"}, nil)
	b.MustFail("", requestLinkOp, map[string]any{"slug": b.owner.Slug, "email": " JAN@example.com"}, "RATE_LIMITED")
	b.Server.MyBookings.Wait()
	if n := b.Count(`SELECT count(*) FROM my_bookings_links`); n != 1 {
		t.Fatalf("links: %d", n)
	}
	b.MustFail("", `mutation($s: String!) { a: redeemMyBookingsLink(input: {tenantSlug: $s, token: "x"}) { accessToken } b: redeemMyBookingsLink(input: {tenantSlug: $s, token: "y"}) { accessToken } }`,
		map[string]any{"s": b.owner.Slug}, "BAD_USER_INPUT")
	for i := 0; i < 4; i++ { // redemptions have a bucket of their own
		b.MustFail("", redeemLinkOp, map[string]any{"slug": b.owner.Slug, "token": "guess"}, "UNAUTHENTICATED")
	}
	b.MustFail("", redeemLinkOp, map[string]any{"slug": b.owner.Slug, "token": "guess"}, "RATE_LIMITED")
}

// TestMyBookingsLinkRedeemedOnceAtOnce: eight redemptions of one link at the same moment open one
// session; the others are refused as any spent link is.
func TestMyBookingsLinkRedeemedOnceAtOnce(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "mine-race", nil)
	b.bookAt(t, time.Date(2026, 3, 10, 10, 0, 0, 0, warsaw), "jan@example.com")
	link := b.issueLink(t, "jan@example.com")
	const n = 8
	codes := make(chan string, n)
	var start sync.WaitGroup
	start.Add(1)
	var done sync.WaitGroup
	for i := 0; i < n; i++ {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			r, err := b.post("", redeemLinkOp, map[string]any{"slug": b.owner.Slug, "token": link.Token})
			switch {
			case err != nil:
				codes <- "transport: " + err.Error()
			case len(r.Errors) > 0:
				codes <- r.Errors[0].Code()
			default:
				codes <- "OK"
			}
		}()
	}
	start.Done()
	done.Wait()
	close(codes)
	got := map[string]int{}
	for c := range codes {
		got[c]++
	}
	if got["OK"] != 1 || got["UNAUTHENTICATED"] != n-1 {
		t.Fatalf("outcomes %v, want one OK and %d UNAUTHENTICATED", got, n-1)
	}
}
