package events

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/metrics"
)

// DefaultBufferSize is how many undelivered events a subscriber may have before it is disconnected.
const DefaultBufferSize = 64

// Why a subscription ended (Subscription.Err).
var (
	// ErrSlowConsumer: the subscriber's buffer was full when an event arrived. Waiting for it would
	// delay every other subscriber and the listener, and dropping the event silently would let its
	// screen go stale, so it is disconnected instead and must subscribe again (and refetch).
	ErrSlowConsumer = errors.New("subscriber could not keep up")
	// ErrBrokerClosed: the instance is shutting down.
	ErrBrokerClosed = errors.New("event broker closed")
	// ErrNoTenant: SubscribeFunc was called without Filter.TenantID.
	ErrNoTenant = errors.New("subscription filter has no tenant")
)

// Filter selects the events a subscriber receives. TenantID is mandatory; every other field narrows
// the selection when set and matches anything when zero. Resync events match every filter.
type Filter struct {
	TenantID      uuid.UUID
	ReservationID uuid.UUID
	ServiceID     uuid.UUID
	StaffMemberID uuid.UUID
	UserID        uuid.UUID
	// Kinds, when not empty, lists the kinds wanted.
	Kinds []Kind
	// From and To, when set, select events whose time range overlaps [From, To). An event that
	// carries no range matches: a widget refetching once too often is cheaper than a stale slot.
	From, To time.Time
}

func (f *Filter) matches(e *Event) bool {
	switch {
	case e.Kind == Resync:
		return true
	case e.TenantID != f.TenantID:
		return false
	case f.ReservationID != uuid.Nil && e.ReservationID != f.ReservationID:
		return false
	case f.ServiceID != uuid.Nil && e.ServiceID != f.ServiceID:
		return false
	case f.StaffMemberID != uuid.Nil && e.StaffMemberID != f.StaffMemberID:
		return false
	case f.UserID != uuid.Nil && e.UserID != f.UserID:
		return false
	case len(f.Kinds) > 0 && !slices.Contains(f.Kinds, e.Kind):
		return false
	}
	if e.From.IsZero() && e.To.IsZero() {
		return true
	}
	startsBeforeEnd := f.To.IsZero() || e.From.IsZero() || e.From.Before(f.To)
	endsAfterStart := f.From.IsZero() || e.To.IsZero() || e.To.After(f.From)
	return startsBeforeEnd && endsAfterStart
}

// Subscription is one subscriber's registration: its filter and its delivery functions
// (SubscribeFunc).
type Subscription struct {
	broker *Broker
	filter Filter
	// SubscribeFunc's functions, called under the broker's mutex.
	deliver func(*Event) bool
	ended   func(error)

	// Guarded by broker.mu.
	closed bool
	err    error
}

// Err is nil while the subscription is open and after the subscriber's own Close; ErrSlowConsumer
// or ErrBrokerClosed when the broker ended it.
func (s *Subscription) Err() error {
	s.broker.mu.Lock()
	defer s.broker.mu.Unlock()
	return s.err
}

// Filter returns the filter the subscription was made with.
func (s *Subscription) Filter() Filter {
	f := s.filter
	f.Kinds = slices.Clone(f.Kinds)
	return f
}

// Close ends the subscription: deliver is not called again (nor ended). It may be called more than
// once, from any goroutine, also after the broker ended the subscription.
func (s *Subscription) Close() {
	s.broker.mu.Lock()
	defer s.broker.mu.Unlock()
	s.broker.removeLocked(s, nil)
}

// BrokerOptions configure a Broker; the zero value is ready to use.
type BrokerOptions struct {
	BufferSize int // DefaultBufferSize when zero
	Log        *slog.Logger
	// Metrics counts subscribers dropped for overflowing their buffer (nil: not counted).
	Metrics *metrics.Metrics
}

// Broker fans events out to this instance's subscribers. Delivery never blocks: it only ever calls
// a subscriber's non-blocking deliver (SubscribeFunc), under one mutex, for the subscribers of the
// event's tenant. The broker has no goroutine per subscriber.
type Broker struct {
	bufferSize int
	log        *slog.Logger
	metrics    *metrics.Metrics

	mu      sync.Mutex
	tenants map[uuid.UUID]*tenantSubscribers
	count   int
	closed  bool
}

// tenantSubscribers splits a tenant's subscribers so that an event about one reservation visits
// only that reservation's watchers (a customer page each) plus the tenant-wide ones (dashboards).
type tenantSubscribers struct {
	wide          map[*Subscription]struct{}
	byReservation map[uuid.UUID]map[*Subscription]struct{}
}

// NewBroker returns an empty broker.
func NewBroker(opt BrokerOptions) *Broker {
	if opt.BufferSize <= 0 {
		opt.BufferSize = DefaultBufferSize
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	return &Broker{bufferSize: opt.BufferSize, log: opt.Log, metrics: opt.Metrics, tenants: make(map[uuid.UUID]*tenantSubscribers)}
}

// BufferSize is how many undelivered events a subscriber may have before it is disconnected.
func (b *Broker) BufferSize() int { return b.bufferSize }

// SubscribeFunc registers a subscriber that holds no goroutine and no channel of its own: deliver
// is called with each event f selects (the subscriber's own copy) and reports whether the
// subscriber took it; false means its buffer is full, and the subscription ends with
// ErrSlowConsumer. ended is called once with ErrSlowConsumer or
// ErrBrokerClosed when the broker ends the subscription (not after the subscriber's own Close).
//
// Both are called under the broker's mutex, in the listener's order, so they must not block and
// must not call the broker: a non-blocking send to the subscriber's own buffer, and waking what
// drains it, is what they are for.
func (b *Broker) SubscribeFunc(f Filter, deliver func(*Event) bool, ended func(error)) (*Subscription, error) {
	return b.subscribe(&Subscription{filter: f, deliver: deliver, ended: ended})
}

func (b *Broker) subscribe(s *Subscription) (*Subscription, error) {
	f := &s.filter
	if f.TenantID == uuid.Nil {
		return nil, ErrNoTenant
	}
	f.Kinds = slices.Clone(f.Kinds)
	s.broker = b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrBrokerClosed
	}
	ts := b.tenants[f.TenantID]
	if ts == nil {
		ts = &tenantSubscribers{wide: make(map[*Subscription]struct{})}
		b.tenants[f.TenantID] = ts
	}
	if f.ReservationID == uuid.Nil {
		ts.wide[s] = struct{}{}
	} else {
		if ts.byReservation == nil {
			ts.byReservation = make(map[uuid.UUID]map[*Subscription]struct{})
		}
		set := ts.byReservation[f.ReservationID]
		if set == nil {
			set = make(map[*Subscription]struct{})
			ts.byReservation[f.ReservationID] = set
		}
		set[s] = struct{}{}
	}
	b.count++
	return s, nil
}

// Deliver hands e to this instance's matching subscribers. It does not reach other instances: a
// change is published with Publish inside its transaction, and each instance's Listener calls
// Deliver. A Resync goes to every subscriber of every tenant.
func (b *Broker) Deliver(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	var slow []*Subscription
	send := func(set map[*Subscription]struct{}) {
		for s := range set {
			if !s.filter.matches(&e) {
				continue
			}
			copied := e
			if !s.deliver(&copied) {
				slow = append(slow, s)
			}
		}
	}
	if e.Kind == Resync {
		for _, ts := range b.tenants {
			send(ts.wide)
			for _, set := range ts.byReservation {
				send(set)
			}
		}
	} else if ts := b.tenants[e.TenantID]; ts != nil {
		send(ts.wide)
		if e.ReservationID != uuid.Nil {
			send(ts.byReservation[e.ReservationID])
		}
	}
	// Removed after the loops so the maps are not changed while they are being walked.
	for _, s := range slow {
		b.removeLocked(s, ErrSlowConsumer)
		b.metrics.SlowConsumer()
		b.log.Warn("event subscriber disconnected", "reason", ErrSlowConsumer.Error(),
			"tenant_id", s.filter.TenantID.String(), "buffer", b.bufferSize)
	}
}

// Resync tells every subscriber that events may have been missed and it should read the current
// state again.
func (b *Broker) Resync() { b.Deliver(Event{Kind: Resync}) }

// Len is the number of open subscriptions.
func (b *Broker) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.count
}

// Close ends every subscription with ErrBrokerClosed and refuses new ones. Idempotent.
func (b *Broker) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for _, ts := range b.tenants {
		for s := range ts.wide {
			s.closeLocked(ErrBrokerClosed)
		}
		for _, set := range ts.byReservation {
			for s := range set {
				s.closeLocked(ErrBrokerClosed)
			}
		}
	}
	b.tenants = nil
	b.count = 0
}

// removeLocked unregisters s with reason err (nil: its own Close); b.mu must be held. Deliveries
// happen only under b.mu, so none reaches s after it.
func (b *Broker) removeLocked(s *Subscription, err error) {
	if s.closed {
		return
	}
	s.closeLocked(err)
	b.count--
	f := &s.filter
	ts := b.tenants[f.TenantID]
	if ts == nil {
		panic(fmt.Sprintf("events: open subscription of tenant %s not registered", f.TenantID))
	}
	if f.ReservationID == uuid.Nil {
		delete(ts.wide, s)
	} else {
		set := ts.byReservation[f.ReservationID]
		delete(set, s)
		if len(set) == 0 {
			delete(ts.byReservation, f.ReservationID)
		}
	}
	if len(ts.wide) == 0 && len(ts.byReservation) == 0 {
		delete(b.tenants, f.TenantID)
	}
}

// closeLocked marks s ended and tells its subscriber why, unless it ended itself (err nil).
func (s *Subscription) closeLocked(err error) {
	s.closed = true
	s.err = err
	if err != nil {
		s.ended(err)
	}
}
