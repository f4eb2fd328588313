package server_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Manual approval end to end: requests hold their slot until staff approve or decline them, or their
// decision deadline passes; declining refunds through the imoje simulator.

const requestOp = `mutation($in: CreateReservationInput!) { createReservation(input: $in) {
	customerAccessToken reservation { id status paymentStatus holdExpiresAt decisionDeadline } } }`

type bookingRequest struct {
	CustomerAccessToken string
	Reservation         struct {
		ID, Status, PaymentStatus string
		HoldExpiresAt             *time.Time
		DecisionDeadline          *time.Time
	}
}

func (b *bookingEnv) request(t *testing.T, in map[string]any) bookingRequest {
	t.Helper()
	var out struct{ CreateReservation bookingRequest }
	b.Must("", requestOp, map[string]any{"in": in}, &out)
	return out.CreateReservation
}

const decisionOp = `mutation($id: UUID!) { approveReservation(id: $id) { id status paymentStatus holdExpiresAt
	service { name } staffMember { name } history { fromStatus toStatus actor reason } } }`

type decided struct {
	ID, Status, PaymentStatus string
	HoldExpiresAt             *time.Time
	DeclineReason             *string
	Service                   struct{ Name string }
	StaffMember               struct{ Name string }
	History                   []struct{ FromStatus, ToStatus, Actor, Reason string }
}

func (b *bookingEnv) seats(t *testing.T, reservationID string) int {
	t.Helper()
	return b.Count(`SELECT o.seats_taken FROM occupations o JOIN reservations r ON r.occupation_id = o.id AND r.tenant_id = o.tenant_id WHERE r.id = $1`, reservationID)
}

// slotOffered reports whether availability offers start on its day.
func (b *bookingEnv) slotOffered(t *testing.T, service string, start time.Time) bool {
	t.Helper()
	day := start.In(warsaw).Format(time.DateOnly)
	var out struct {
		Availability struct {
			Days []struct {
				Slots []struct{ StartsAt time.Time }
			}
		}
	}
	b.Must("", `query($slug: String!, $s: UUID!, $d: Date!) { availability(tenantSlug: $slug, serviceId: $s, from: $d, to: $d) { days { slots { startsAt } } } }`,
		map[string]any{"slug": b.owner.Slug, "s": service, "d": day}, &out)
	for _, d := range out.Availability.Days {
		for _, s := range d.Slots {
			if s.StartsAt.Equal(start) {
				return true
			}
		}
	}
	return false
}

// TestApprovalRequestHoldsItsSlot: a booking of a service that needs confirmation is a request with
// a deadline; availability and a second booking see its slot taken; staff approve it (no prepayment:
// CONFIRMED) and it shows in the dashboard's REQUESTED filter until then; its customer may cancel one.
func TestApprovalRequestHoldsItsSlot(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "approval-holds", map[string]any{"requiresConfirmation": true})
	slot := time.Date(2026, 3, 4, 10, 0, 0, 0, warsaw)
	if !b.slotOffered(t, b.service, slot) {
		t.Fatal("the slot is not offered before the request")
	}
	req := b.request(t, b.reservationInput(slot, ""))
	if req.Reservation.Status != "REQUESTED" || req.Reservation.HoldExpiresAt != nil ||
		req.Reservation.DecisionDeadline == nil || !req.Reservation.DecisionDeadline.Equal(bookingTime.Add(24*time.Hour)) {
		t.Fatalf("request %+v", req.Reservation)
	}
	if b.slotOffered(t, b.service, slot) {
		t.Fatal("availability offers the requested slot")
	}
	second := b.reservationInput(slot, "")
	second["customer"] = map[string]any{"name": "Ewa Nowak", "email": "ewa@example.com"}
	b.MustFail("", createReservationOp, map[string]any{"in": second}, "SLOT_UNAVAILABLE")
	if n := b.seats(t, req.Reservation.ID); n != 1 {
		t.Fatalf("%d seats taken by the request, want 1", n)
	}
	var listed struct {
		Reservations struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	b.Must(b.owner.AccessToken, `{ reservations(filter: {statuses: [REQUESTED]}) { edges { node { id } } } }`, nil, &listed)
	if len(listed.Reservations.Edges) != 1 || listed.Reservations.Edges[0].Node.ID != req.Reservation.ID {
		t.Fatalf("REQUESTED filter: %+v", listed)
	}

	// The customer's token cannot approve; staff can, once.
	b.MustFail(req.CustomerAccessToken, decisionOp, map[string]any{"id": req.Reservation.ID}, "FORBIDDEN")
	var out struct{ ApproveReservation decided }
	b.Must(b.owner.AccessToken, decisionOp, map[string]any{"id": req.Reservation.ID}, &out)
	got := out.ApproveReservation
	last := got.History[len(got.History)-1]
	if got.Status != "CONFIRMED" || got.HoldExpiresAt != nil || got.Service.Name != "Haircut" || got.StaffMember.Name != "Anna" ||
		last.FromStatus != "REQUESTED" || last.ToStatus != "CONFIRMED" || last.Actor != b.owner.UserID || last.Reason != "approved" {
		t.Fatalf("approved: %+v", got)
	}
	b.MustFail(b.owner.AccessToken, decisionOp, map[string]any{"id": req.Reservation.ID}, "CONFLICT")
	if n := b.seats(t, req.Reservation.ID); n != 1 {
		t.Fatalf("%d seats after the approval, want 1", n)
	}

	// A customer may withdraw a request: the slot is free again.
	other := b.request(t, b.reservationInput(slot.Add(2*time.Hour), ""))
	b.Must(other.CustomerAccessToken, `mutation($id: UUID!) { cancelReservation(id: $id) { status } }`, map[string]any{"id": other.Reservation.ID}, nil)
	if n := b.seats(t, other.Reservation.ID); n != 0 || !b.slotOffered(t, b.service, slot.Add(2*time.Hour)) {
		t.Fatalf("a cancelled request still holds %d seats", n)
	}

	// The business-wide setting applies to services that follow it; a service may opt out.
	b.Must(b.owner.AccessToken, `mutation { updateBookingSettings(input: {requiresConfirmation: true, approvalDeadlineHours: 2}) { requiresConfirmation } }`, nil, nil)
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { updateService(id: $id, input: {followBusinessConfirmation: true}) { id } }`, map[string]any{"id": b.service}, nil)
	follows := b.request(t, b.reservationInput(slot.Add(4*time.Hour), ""))
	if follows.Reservation.Status != "REQUESTED" || !follows.Reservation.DecisionDeadline.Equal(bookingTime.Add(2*time.Hour)) {
		t.Fatalf("request under the business's setting: %+v", follows.Reservation)
	}
	b.Must(b.owner.AccessToken, `mutation($id: UUID!) { updateService(id: $id, input: {requiresConfirmation: false}) { id } }`, map[string]any{"id": b.service}, nil)
	optedOut := b.request(t, b.reservationInput(slot.Add(5*time.Hour), ""))
	if optedOut.Reservation.Status != "CONFIRMED" || optedOut.Reservation.DecisionDeadline != nil {
		t.Fatalf("booking of a service that opted out: %+v", optedOut.Reservation)
	}
}

// TestDecisionDeadlineDeclinesAutomatically: nobody decides in time; staff can no longer approve,
// and the background round on two instances at once declines the request once (actor system,
// reason "not confirmed in time"), which frees the slot.
func TestDecisionDeadlineDeclinesAutomatically(t *testing.T) {
	t.Parallel()
	b := newBookingEnv(t, "approval-deadline", map[string]any{"requiresConfirmation": true})
	slot := time.Date(2026, 3, 6, 10, 0, 0, 0, warsaw)
	req := b.request(t, b.reservationInput(slot, ""))
	if n, err := b.Server.Booking.DeclineDueRequests(context.Background(), 10); err != nil || n != 0 {
		t.Fatalf("declined %d before the deadline (%v)", n, err)
	}
	b.clock.Set(bookingTime.Add(24 * time.Hour))
	var fresh struct{ RefreshToken struct{ AccessToken string } }
	b.Must("", `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }`, map[string]any{"t": b.owner.RefreshToken}, &fresh)
	b.owner.AccessToken = fresh.RefreshToken.AccessToken
	b.MustFail(b.owner.AccessToken, decisionOp, map[string]any{"id": req.Reservation.ID}, "CONFLICT")
	// The customer's page and a booking widget are open when it is declined.
	settle(t, b.Env, b.owner.TenantID)
	mine := connect(t, b.URL, transportWS, req.CustomerAccessToken)
	mine.subscribe("mine", reservationUpdatedOp, map[string]any{"id": req.Reservation.ID})
	widget := connect(t, b.URL, transportWS, "")
	widget.subscribe("slots", availabilityChangedOp, map[string]any{"slug": b.owner.Slug, "s": b.service, "from": "2026-03-06", "to": "2026-03-06"})
	waitSubscribed(t, b.Env, 2)
	var declined atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			n, err := b.Server.Booking.DeclineDueRequests(context.Background(), 10)
			if err != nil {
				t.Error(err)
			}
			declined.Add(int64(n))
		})
	}
	wg.Wait()
	if declined.Load() != 1 {
		t.Fatalf("%d declines, want 1", declined.Load())
	}
	var ev reservationUpdated
	mine.next("mine", delivery, &ev)
	if e := ev.ReservationUpdated; e.Kind != "UPDATED" || e.Reservation == nil || e.Reservation.Status != "DECLINED" || e.Reservation.StaffMember.Name != "Anna" {
		t.Fatalf("the customer's event: %+v", e)
	}
	var freed availabilityChanged
	widget.next("slots", delivery, &freed)
	if e := freed.AvailabilityChanged; e.Kind != "UPDATED" || e.StartsAt == nil || !e.StartsAt.Equal(slot) {
		t.Fatalf("the widget's event: %+v", e)
	}
	var out struct{ Reservation decided }
	b.Must(b.owner.AccessToken, `query($id: UUID!) { reservation(id: $id) { id status declineReason history { fromStatus toStatus actor reason } } }`,
		map[string]any{"id": req.Reservation.ID}, &out)
	got := out.Reservation
	last := got.History[len(got.History)-1]
	if got.Status != "DECLINED" || got.DeclineReason == nil || *got.DeclineReason != "not confirmed in time" ||
		last.FromStatus != "REQUESTED" || last.ToStatus != "DECLINED" || last.Actor != "system" || len(got.History) != 2 {
		t.Fatalf("after the deadline: %+v", got)
	}
	if n := b.seats(t, req.Reservation.ID); n != 0 || !b.slotOffered(t, b.service, slot) {
		t.Fatalf("the declined request holds %d seats", n)
	}
}

// confirmingService adds to p a service of the given payment policy whose bookings are requests,
// performed by p's staff member.
func (p *payEnv) confirmingService(t *testing.T, policy string) string {
	t.Helper()
	id := p.createService(t, map[string]any{"name": "Consultation " + policy, "priceAmount": priceAmount, "paymentPolicy": policy,
		"holdMinutes": 30, "requiresConfirmation": true})
	p.Must(p.owner.AccessToken, `mutation($id: UUID!, $s: [UUID!]!) { updateStaffMember(id: $id, input: {serviceIds: $s}) { id } }`,
		map[string]any{"id": p.staff, "s": []string{p.service, id}}, nil)
	return id
}

// requestOf books service on p's next free slot and checks it became a request.
func (p *payEnv) requestOf(t *testing.T, service string) bookingRequest {
	t.Helper()
	start := p.day.Add(time.Duration(8*60+p.slot*60) * time.Minute)
	p.slot++
	in := p.reservationInput(start, "")
	in["serviceId"] = service
	req := p.request(t, in)
	if req.Reservation.Status != "REQUESTED" || req.Reservation.PaymentStatus != "UNPAID" || req.Reservation.HoldExpiresAt != nil {
		t.Fatalf("request %+v", req.Reservation)
	}
	return req
}

// TestApprovalWithPrepayment: under REQUIRED a request cannot be paid yet; approving it starts a
// fresh hold of the service's 30 minutes, and paying then confirms it.
func TestApprovalWithPrepayment(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "approval-prepaid")
	req := p.requestOf(t, p.confirmingService(t, "REQUIRED"))
	p.MustFail(req.CustomerAccessToken, initiateOp, map[string]any{"in": map[string]any{"reservationId": req.Reservation.ID,
		"channel": "BLIK", "blikCode": "777000", "idempotencyKey": "too-early"}}, "CONFLICT")
	before := time.Now()
	var out struct{ ApproveReservation decided }
	p.Must(p.owner.AccessToken, decisionOp, map[string]any{"id": req.Reservation.ID}, &out)
	got := out.ApproveReservation
	if got.Status != "PENDING_PAYMENT" || got.PaymentStatus != "UNPAID" || got.HoldExpiresAt == nil ||
		got.HoldExpiresAt.Before(before.Add(30*time.Minute).Truncate(time.Second)) || got.HoldExpiresAt.After(time.Now().Add(30*time.Minute)) {
		t.Fatalf("approved under REQUIRED: %+v", got)
	}
	p.initiate(t, req.CustomerAccessToken, map[string]any{"reservationId": req.Reservation.ID, "channel": "BLIK", "blikCode": "777000", "idempotencyKey": "now"})
	p.waitFor(t, req.Reservation.ID, "the approved request paid", paid)
}

// TestDeclineRefundsAndFreesTheSlot: under OPTIONAL a request may be paid ahead, which does not
// confirm it; declining it refunds the payment in full through imoje, frees the slot and tells the
// customer why. A request with an open payment link has the link cancelled when declined.
func TestDeclineRefundsAndFreesTheSlot(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "approval-decline")
	service := p.confirmingService(t, "OPTIONAL")
	req := p.requestOf(t, service)
	p.initiate(t, req.CustomerAccessToken, map[string]any{"reservationId": req.Reservation.ID, "channel": "BLIK", "blikCode": "777000", "idempotencyKey": "ahead"})
	p.waitFor(t, req.Reservation.ID, "the request paid ahead", func(s reservationState) bool {
		return s.PaymentStatus == "PAID" && s.Status == "REQUESTED"
	})

	const declineOp = `mutation($id: UUID!, $why: String) { declineReservation(id: $id, reason: $why) { id status declineReason
		service { name } staffMember { name } history { fromStatus toStatus actor reason } } }`
	p.MustFail(req.CustomerAccessToken, declineOp, map[string]any{"id": req.Reservation.ID, "why": "no"}, "FORBIDDEN")
	var out struct{ DeclineReservation decided }
	p.Must(p.owner.AccessToken, declineOp, map[string]any{"id": req.Reservation.ID, "why": "fully booked that week"}, &out)
	got := out.DeclineReservation
	if got.Status != "DECLINED" || got.DeclineReason == nil || *got.DeclineReason != "fully booked that week" || got.StaffMember.Name != "Anna" {
		t.Fatalf("declined: %+v", got)
	}
	st := p.waitFor(t, req.Reservation.ID, "the refund settled", func(s reservationState) bool {
		return s.PaymentStatus == "REFUNDED" && len(s.Payments) == 1 && len(s.Payments[0].Refunds) == 1 && s.Payments[0].Refunds[0].Status == "SETTLED"
	})
	if st.Status != "DECLINED" || st.Payments[0].RefundedAmount.Amount != priceAmount {
		t.Fatalf("after the refund: %+v", st)
	}
	if n := p.seats(t, req.Reservation.ID); n != 0 {
		t.Fatalf("the declined request holds %d seats", n)
	}
	p.MustFail(p.owner.AccessToken, declineOp, map[string]any{"id": req.Reservation.ID}, "CONFLICT")
	if n := p.Count(`SELECT count(*) FROM refunds`); n != 1 {
		t.Fatalf("%d refunds, want 1 (declining again refunds nothing)", n)
	}

	// A payment link open when the request is declined is cancelled at imoje by the next
	// reconciliation round (the reservation has ended).
	linked := p.requestOf(t, service)
	pay := p.initiate(t, linked.CustomerAccessToken, map[string]any{"reservationId": linked.Reservation.ID, "channel": "CARD", "idempotencyKey": "link"})
	link := p.linkOf(t, pay.ID)
	var quiet struct{ DeclineReservation decided }
	p.Must(p.owner.AccessToken, declineOp, map[string]any{"id": linked.Reservation.ID}, &quiet)
	if q := quiet.DeclineReservation; q.Status != "DECLINED" || q.DeclineReason != nil || q.History[len(q.History)-1].Reason != "declined" {
		t.Fatalf("declined without a reason: %+v", q)
	}
	if _, err := p.Server.Payments.ReconcileOnce(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	if after, err := p.sim.Payment(link.ID); err != nil || after.Status != "cancelled" || after.IsActive {
		t.Fatalf("link after the decline: %+v (%v)", after, err)
	}
	p.waitFor(t, linked.Reservation.ID, "the payment cancelled", func(s reservationState) bool {
		return s.Status == "DECLINED" && len(s.Payments) == 1 && s.Payments[0].Status == "CANCELLED"
	})
}

// TestCustomerWithdrawsAPaidRequestInFull: a request paid ahead and withdrawn by its customer gives
// everything back, though the business's policy would keep it all from an accepted booking this
// late (the policy binds bookings the business accepted, not requests it has not).
func TestCustomerWithdrawsAPaidRequestInFull(t *testing.T) {
	t.Parallel()
	p := newPayEnv(t, "approval-withdraw")
	p.Must(p.owner.AccessToken, `mutation { updateBookingSettings(input: {cancellationRules: {freeCancellationHours: 8760,
		lateCancellationFee: NO_REFUND, customerMayCancel: false}}) { minNoticeMinutes } }`, nil, nil)
	req := p.requestOf(t, p.confirmingService(t, "OPTIONAL"))
	p.initiate(t, req.CustomerAccessToken, map[string]any{"reservationId": req.Reservation.ID, "channel": "BLIK", "blikCode": "777000", "idempotencyKey": "ahead"})
	p.waitFor(t, req.Reservation.ID, "the request paid ahead", func(s reservationState) bool {
		return s.PaymentStatus == "PAID" && s.Status == "REQUESTED"
	})
	var terms struct {
		Reservation struct {
			CanCancel            bool
			RefundIfCancelledNow struct{ Amount int }
			FeeIfCancelledNow    struct{ Amount int }
		}
	}
	p.Must(req.CustomerAccessToken, `query($id: UUID!) { reservation(id: $id) { canCancel refundIfCancelledNow { amount } feeIfCancelledNow { amount } } }`,
		map[string]any{"id": req.Reservation.ID}, &terms)
	if tr := terms.Reservation; !tr.CanCancel || tr.RefundIfCancelledNow.Amount != priceAmount || tr.FeeIfCancelledNow.Amount != 0 {
		t.Fatalf("a paid request's terms: %+v", tr)
	}
	p.Must(req.CustomerAccessToken, `mutation($id: UUID!) { cancelReservation(id: $id, reason: "found another date") { status } }`,
		map[string]any{"id": req.Reservation.ID}, nil)
	st := p.waitFor(t, req.Reservation.ID, "the refund settled", func(s reservationState) bool {
		return s.PaymentStatus == "REFUNDED" && len(s.Payments) == 1 && len(s.Payments[0].Refunds) == 1 && s.Payments[0].Refunds[0].Status == "SETTLED"
	})
	if st.Status != "CANCELLED" || st.Payments[0].RefundedAmount.Amount != priceAmount {
		t.Fatalf("after the withdrawal: %+v", st)
	}
}
