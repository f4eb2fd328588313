package ws

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

// TestOpContext: contexts derived from an operation's context end with it, through its AfterFunc
// (no goroutine waits on it), and a derived context that ends first unregisters.
//
// Not parallel: it counts goroutines.
func TestOpContext(t *testing.T) {
	type key struct{}
	c := &opContext{Context: context.WithValue(context.Background(), key{}, "v")}
	if c.Err() != nil || c.Value(key{}) != "v" {
		t.Fatalf("fresh: Err %v, value %v", c.Err(), c.Value(key{}))
	}

	goroutines := runtime.NumGoroutine()
	child, cancelChild := context.WithCancel(c)
	defer cancelChild()
	timeout, cancelTimeout := context.WithTimeout(c, time.Hour)
	short, cancelShort := context.WithCancel(c)
	ran := make(chan struct{})
	context.AfterFunc(c, func() { close(ran) })
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Fatalf("%d goroutines wait on the operation's context", n-goroutines)
	}
	cancelShort() // ends first: it leaves the operation's list
	if n := len(c.afterFuncs); n != 3 {
		t.Fatalf("%d registered, want 3", n)
	}
	_ = short

	done := c.Done()
	c.cancel()
	c.cancel()
	for name, ctx := range map[string]context.Context{"operation": c, "child": child, "timeout": timeout} {
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("%s not done", name)
		}
		if !errors.Is(ctx.Err(), context.Canceled) {
			t.Fatalf("%s: Err %v", name, ctx.Err())
		}
	}
	cancelTimeout()
	<-done
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("AfterFunc did not run")
	}
	// Registered after the end: runs at once.
	late := make(chan struct{})
	context.AfterFunc(c, func() { close(late) })
	select {
	case <-late:
	case <-time.After(5 * time.Second):
		t.Fatal("late AfterFunc did not run")
	}
	if c.afterFuncs != nil {
		t.Fatal("the list outlives the operation")
	}
}
