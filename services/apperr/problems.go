package apperr

import (
	"errors"
	"strings"
)

// Problems collects the input errors of one request, so that a client hears of all of them at
// once (a booking with a bad name, e-mail and phone is three errors), not one per attempt. The
// zero value is ready; Add what each check returns, then return Err.
type Problems []error

// Add records err unless it is nil; the problems of another Problems are added one by one.
func (p *Problems) Add(err error) {
	if err == nil {
		return
	}
	var more Problems
	if errors.As(err, &more) {
		*p = append(*p, more...)
		return
	}
	*p = append(*p, err)
}

// Err is nil without problems, the problem itself when there is one, else all of them.
func (p Problems) Err() error {
	switch len(p) {
	case 0:
		return nil
	case 1:
		return p[0]
	}
	return p
}

func (p Problems) Error() string {
	msgs := make([]string, len(p))
	for i, err := range p {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap lets errors.Is and errors.As see every problem (As finds the first).
func (p Problems) Unwrap() []error { return p }

// Each returns the problems in err: those of a Problems in its chain, or err alone.
func Each(err error) []error {
	var p Problems
	if errors.As(err, &p) {
		return p
	}
	return []error{err}
}
