package imojesim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Delivery states.
const (
	DeliveryQueued    = "queued"    // waiting for its first attempt
	DeliveryScheduled = "scheduled" // first attempt delayed by a fault
	DeliveryHeld      = "held"      // held back by an out-of-order fault
	DeliverySending   = "sending"
	DeliveryRetrying  = "retrying" // failed, next attempt at NextAttemptAt
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"  // gave up: schedule exhausted, or nowhere to send
	DeliveryDropped   = "dropped" // dropped by a fault; never sent
)

// Delivery is one notification on its way to a shop, with every attempt made; the webhook log.
type Delivery struct {
	ID              string    `json:"id"`
	MerchantID      string    `json:"merchantId"`
	ServiceID       string    `json:"serviceId"`
	TransactionID   string    `json:"transactionId,omitempty"`
	PaymentID       string    `json:"paymentId,omitempty"`
	Event           string    `json:"event"` // e.g. "sale settled", "refund settled", "payment cancelled"
	URL             string    `json:"url"`
	Body            string    `json:"body"`
	SignatureHeader string    `json:"signatureHeader"`
	Copy            int       `json:"copy"` // 1, or 2… for copies made by a duplicate fault
	State           string    `json:"state"`
	Faults          []string  `json:"faults,omitempty"`
	CreatedAt       time.Time `json:"createdAt"`
	NextAttemptAt   time.Time `json:"nextAttemptAt,omitzero"`
	Attempts        []Attempt `json:"attempts"`
}

// Attempt is one HTTP POST of a notification.
type Attempt struct {
	At           time.Time `json:"at"`
	StatusCode   int       `json:"statusCode,omitempty"`
	ResponseBody string    `json:"responseBody,omitempty"` // first 512 bytes
	Error        string    `json:"error,omitempty"`
	DurationMS   int64     `json:"durationMs"`
	Accepted     bool      `json:"accepted"`
}

// RetrySchedule is imoje's retry schedule, unscaled: the wait before each retry after a failed
// attempt. imoje's docs disagree on the first three (10 ms or 10 s); the simulator waits 10 s.
func RetrySchedule() []time.Duration {
	var s []time.Duration
	for _, step := range []struct {
		n     int
		every time.Duration
	}{{3, 10 * time.Second}, {5, 5 * time.Minute}, {5, time.Hour}, {5, 6 * time.Hour}, {5, 12 * time.Hour}} {
		for range step.n {
			s = append(s, step.every)
		}
	}
	return s
}

type delivery struct {
	Delivery
	key string // the transaction or link whose notifications an out-of-order fault holds together
}

type deliveryQueue struct {
	items   []*delivery
	running bool
}

func (s *Simulator) notifyTransactionLocked(t *transaction) {
	n := Notification{Transaction: new(t.view())}
	if t.link != nil {
		n.Payment = t.link.summary()
	}
	if t.typ == "sale" && !isFinal(t.status) {
		n.Action = t.action()
	}
	subjects := []string{t.id}
	key := t.id
	if t.parent != nil {
		subjects = append(subjects, t.parent.id)
	}
	paymentID := ""
	if t.link != nil {
		subjects = append(subjects, t.link.id)
		paymentID = t.link.id
	}
	s.enqueueNotificationLocked(t.shop, t.notificationURL, n, t.typ+" "+t.status, t.id, paymentID, key, isFinal(t.status), subjects)
}

func (s *Simulator) notifyPaymentLocked(l *paymentLink) {
	n := Notification{Payment: l.summary()}
	s.enqueueNotificationLocked(l.shop, l.notificationURL, n, "payment "+l.status, "", l.id, l.id, isFinal(l.status), []string{l.id})
}

// enqueueNotificationLocked signs one notification and hands it to delivery, applying the faults
// that match it.
func (s *Simulator) enqueueNotificationLocked(sh *shop, url string, n Notification, event, transactionID, paymentID, key string, final bool, subjects []string) {
	body, err := EncodeNotification(n)
	if err != nil {
		s.logf("imojesim: encode notification: %v", err)
		return
	}
	sig, _ := Sign(body, sh.serviceKey, "sha256")
	header := SignatureHeader{MerchantID: sh.merchant.id, ServiceID: sh.serviceID, Signature: sig, Alg: "sha256"}.String()
	now := s.nowLocked()
	f := s.notificationFaultsLocked(sh.serviceID, subjects)

	copies := 1
	if f.duplicate != nil {
		copies = max(f.duplicate.Copies, 2)
	}
	for i := 1; i <= copies; i++ {
		s.seq++
		d := &delivery{
			Delivery: Delivery{
				ID: fmt.Sprintf("d%06d", s.seq), MerchantID: sh.merchant.id, ServiceID: sh.serviceID,
				TransactionID: transactionID, PaymentID: paymentID, Event: event, URL: url,
				Body: string(body), SignatureHeader: header, Copy: i, CreatedAt: now, Attempts: []Attempt{},
			},
			key: key,
		}
		d.Faults = f.names()
		s.deliveries = append(s.deliveries, d)
		switch {
		case f.drop != nil:
			d.State = DeliveryDropped
		case url == "":
			d.State = DeliveryFailed
			d.Attempts = append(d.Attempts, Attempt{At: now, Error: "no notification URL: set the shop's notificationUrl"})
		case f.outOfOrder != nil && !final:
			d.State = DeliveryHeld
		case f.delay != nil:
			d.State = DeliveryScheduled
			d.NextAttemptAt = now.Add(time.Duration(f.delay.Delay))
			s.afterFuncLocked(time.Duration(f.delay.Delay), func() { s.attempt(d) })
		default:
			d.State = DeliveryQueued
			s.enqueueLocked(d)
		}
	}
	if final {
		// An out-of-order fault held this subject's earlier notifications: they go out now, after
		// the final one, as a late "pending" after "settled" would.
		for _, held := range s.deliveries {
			if held.State == DeliveryHeld && held.key == key {
				held.State = DeliveryQueued
				s.enqueueLocked(held)
			}
		}
	}
}

// enqueueLocked puts a first attempt on the shop's queue. One worker per shop sends first attempts
// in order, so notifications arrive in the order of the changes unless a fault says otherwise;
// retries run on their own timers and are not ordered.
func (s *Simulator) enqueueLocked(d *delivery) {
	if s.closed {
		d.State = DeliveryFailed
		return
	}
	q := s.queues[d.ServiceID]
	if q == nil {
		q = &deliveryQueue{}
		s.queues[d.ServiceID] = q
	}
	q.items = append(q.items, d)
	if !q.running {
		q.running = true
		s.wg.Add(1)
		go s.drain(q)
	}
}

func (s *Simulator) drain(q *deliveryQueue) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		if len(q.items) == 0 || s.closed {
			q.running = false
			s.mu.Unlock()
			return
		}
		d := q.items[0]
		q.items = q.items[1:]
		s.mu.Unlock()
		s.attempt(d)
	}
}

// attempt POSTs a notification once and records the result; on failure it schedules the next
// attempt on imoje's (scaled) schedule.
func (s *Simulator) attempt(d *delivery) {
	s.mu.Lock()
	d.State = DeliverySending
	d.NextAttemptAt = time.Time{}
	s.mu.Unlock()

	start := time.Now()
	status, respBody, err := s.post(d.URL, []byte(d.Body), d.SignatureHeader)
	elapsed := time.Since(start)

	s.mu.Lock()
	defer s.mu.Unlock()
	a := Attempt{At: s.nowLocked(), StatusCode: status, ResponseBody: excerpt(respBody), DurationMS: elapsed.Milliseconds()}
	if err != nil {
		a.Error = err.Error()
	}
	a.Accepted = err == nil && status == http.StatusOK && isStatusOK(respBody)
	d.Attempts = append(d.Attempts, a)
	s.logf("imojesim: notification %s %s → %s: status %d %s", d.ID, d.Event, d.URL, status, a.Error)
	if a.Accepted {
		d.State = DeliveryDelivered
		return
	}
	schedule := RetrySchedule()
	if len(d.Attempts) > len(schedule) || s.closed {
		d.State = DeliveryFailed
		return
	}
	wait := s.scaled(schedule[len(d.Attempts)-1])
	d.State = DeliveryRetrying
	d.NextAttemptAt = a.At.Add(wait)
	s.afterFuncLocked(wait, func() { s.attempt(d) })
}

func (s *Simulator) post(url string, body []byte, signature string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("User-Agent", "imoje")
	req.Header.Set("Accept", "text/plain")
	req.Header.Set(SignatureHeaderName, signature)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, respBody, err
}

// isStatusOK reports whether a reply body says {"status":"ok"}. imoje's docs say the body is
// required; the simulator accepts any JSON object whose "status" is "ok", whitespace included.
func isStatusOK(body []byte) bool {
	var reply struct {
		Status *string `json:"status"`
	}
	if json.Unmarshal(body, &reply) != nil || reply.Status == nil {
		return false
	}
	return *reply.Status == "ok"
}

func excerpt(b []byte) string {
	if len(b) > 512 {
		return string(b[:512]) + "…"
	}
	return string(b)
}

// Deliveries returns the webhook log, oldest first.
func (s *Simulator) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.deliveries))
	for i, d := range s.deliveries {
		out[i] = d.Delivery
		out[i].Attempts = append([]Attempt{}, d.Attempts...)
		out[i].Faults = append([]string(nil), d.Faults...)
	}
	return out
}

// WaitIdle waits until no notification is queued or being sent. Retries and delayed deliveries
// that are scheduled for later do not count.
func (s *Simulator) WaitIdle(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.idle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (s *Simulator) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.deliveries {
		if d.State == DeliveryQueued || d.State == DeliverySending {
			return false
		}
	}
	return true
}
