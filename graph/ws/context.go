package ws

import (
	"context"
	"slices"
	"sync"
	"time"
)

// opContext is a WebSocket operation's context: the connection's values, and done when the
// operation ends. It does what a context.WithCancel would, without what a cancelCtx keeps for the
// operation's lifetime once anything derived a context from it (the database calls of the
// subscription's resolver do): a map of children. Derived contexts follow it through AfterFunc
// (the context package's afterFuncer), kept in a slice that is dropped when empty; its done
// channel is made only when asked for.
type opContext struct {
	context.Context // the connection's, never done

	mu         sync.Mutex
	ended      bool
	done       chan struct{}
	afterFuncs []*func()
}

var _ interface {
	context.Context
	AfterFunc(func()) func() bool
} = (*opContext)(nil)

func (c *opContext) Deadline() (time.Time, bool) { return time.Time{}, false }

func (c *opContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.ended {
			close(c.done)
		}
	}
	return c.done
}

func (c *opContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return context.Canceled
	}
	return nil
}

// AfterFunc runs f on its own goroutine when the operation ends (at once if it has); stop
// unregisters it, as context.AfterFunc's.
func (c *opContext) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	entry := &f
	c.afterFuncs = append(c.afterFuncs, entry)
	c.mu.Unlock()
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		i := slices.Index(c.afterFuncs, entry)
		if i < 0 {
			return false
		}
		c.afterFuncs = slices.Delete(c.afterFuncs, i, i+1)
		if len(c.afterFuncs) == 0 {
			c.afterFuncs = nil
		}
		return true
	}
}

// cancel ends the context; idempotent.
func (c *opContext) cancel() {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	if c.done != nil {
		close(c.done)
	}
	funcs := c.afterFuncs
	c.afterFuncs = nil
	c.mu.Unlock()
	for _, f := range funcs {
		go (*f)()
	}
}
