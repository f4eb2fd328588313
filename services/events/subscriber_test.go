package events

import "sync"

// channelSubscriber is a test's subscriber: SubscribeFunc, the one way to subscribe, delivering
// into a channel of the broker's buffer size (a full channel refuses the event, so the broker ends
// the subscription with ErrSlowConsumer), closed with done when the subscription ends.
type channelSubscriber struct {
	*Subscription
	ch   chan *Event
	done chan struct{}
	once sync.Once
}

func subscribeChannel(b *Broker, f Filter) (*channelSubscriber, error) {
	s := &channelSubscriber{ch: make(chan *Event, b.BufferSize()), done: make(chan struct{})}
	sub, err := b.SubscribeFunc(f, s.deliver, func(error) { s.end() })
	if err != nil {
		return nil, err
	}
	s.Subscription = sub
	return s, nil
}

// deliver and end run under the broker's mutex (end also after Close has unregistered), so no
// event is sent on a closed channel.
func (s *channelSubscriber) deliver(e *Event) bool {
	select {
	case s.ch <- e:
		return true
	default:
		return false
	}
}

func (s *channelSubscriber) end() { s.once.Do(func() { close(s.ch); close(s.done) }) }

// Close ends the subscription and closes its channel; idempotent.
func (s *channelSubscriber) Close() {
	s.Subscription.Close()
	s.end()
}

// Events are the subscriber's events in order, closed when the subscription ends.
func (s *channelSubscriber) Events() <-chan *Event { return s.ch }

// Done is closed when the subscription ends.
func (s *channelSubscriber) Done() <-chan struct{} { return s.done }
