package imojesim

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// FaultKind names a kind of injected fault.
type FaultKind string

// Fault kinds. The first four act on notifications, the last two on REST API calls.
const (
	// FaultDuplicate sends each notification Copies times (default 2), identical bytes.
	FaultDuplicate FaultKind = "duplicate"
	// FaultOutOfOrder holds back the non-final notifications of a transaction (or payment link)
	// and sends them right after its final one: a late "pending" arrives after "settled".
	FaultOutOfOrder FaultKind = "outOfOrder"
	// FaultDelay sends each notification's first attempt Delay later (not scaled).
	FaultDelay FaultKind = "delay"
	// FaultDrop never sends the notification; the receiver must reconcile with GET transaction.
	FaultDrop FaultKind = "drop"
	// FaultAPIError answers the chosen API calls with StatusCode (default 500) and changes nothing.
	FaultAPIError FaultKind = "apiError"
	// FaultAPISlow waits Delay before handling the chosen API calls, so a client times out; the
	// call itself then proceeds (and takes effect) as a real slow call would.
	FaultAPISlow FaultKind = "apiSlow"
)

// API call names a FaultAPIError or FaultAPISlow can be limited to.
const (
	CallCreateTransaction = "createTransaction"
	CallGetTransaction    = "getTransaction"
	CallRefund            = "refundTransaction"
	CallCreatePayment     = "createPayment"
	CallGetPayment        = "getPayment"
	CallCancelPayment     = "cancelPayment"
	CallGetService        = "getService"
)

var apiCalls = []string{CallCreateTransaction, CallGetTransaction, CallRefund, CallCreatePayment, CallGetPayment, CallCancelPayment, CallGetService}

// Fault is one injected fault. ServiceID and TransactionID narrow where it applies (empty = any);
// TransactionID may name a transaction, a refund or a payment link. Times limits how often it
// applies (0 = until removed).
type Fault struct {
	ID            string    `json:"id"`
	Kind          FaultKind `json:"kind"`
	ServiceID     string    `json:"serviceId,omitempty"`
	TransactionID string    `json:"transactionId,omitempty"`
	Copies        int       `json:"copies,omitempty"`
	Delay         Duration  `json:"delay,omitempty"`
	StatusCode    int       `json:"statusCode,omitempty"`
	Calls         []string  `json:"calls,omitempty"`
	Times         int       `json:"times,omitempty"`
}

func (f *Fault) validate() error {
	switch f.Kind {
	case FaultDuplicate:
		if f.Copies == 0 {
			f.Copies = 2
		}
		if f.Copies < 2 || f.Copies > 100 {
			return fmt.Errorf("duplicate: copies must be 2..100: %w", ErrInvalidOption)
		}
	case FaultDelay, FaultAPISlow:
		if f.Delay <= 0 {
			return fmt.Errorf("%s: delay must be positive: %w", f.Kind, ErrInvalidOption)
		}
	case FaultAPIError:
		if f.StatusCode == 0 {
			f.StatusCode = http.StatusInternalServerError
		}
		if f.StatusCode < 400 || f.StatusCode > 599 {
			return fmt.Errorf("apiError: statusCode must be 4xx or 5xx: %w", ErrInvalidOption)
		}
	case FaultOutOfOrder, FaultDrop:
	default:
		return fmt.Errorf("unknown fault kind %q: %w", f.Kind, ErrInvalidOption)
	}
	for _, c := range f.Calls {
		if !slices.Contains(apiCalls, c) {
			return fmt.Errorf("unknown call %q (want one of %v): %w", c, apiCalls, ErrInvalidOption)
		}
	}
	if f.Times < 0 {
		return fmt.Errorf("times must be ≥ 0: %w", ErrInvalidOption)
	}
	return nil
}

// AddFault injects a fault and returns it with its id.
func (s *Simulator) AddFault(f Fault) (Fault, error) {
	if err := f.validate(); err != nil {
		return Fault{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	f.ID = fmt.Sprintf("f%d", s.seq)
	f.Calls = slices.Clone(f.Calls)
	s.faults = append(s.faults, &f)
	s.logf("imojesim: fault %s (%s) added", f.ID, f.Kind)
	return f, nil
}

// RemoveFault removes one fault.
func (s *Simulator) RemoveFault(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.ID == id {
			s.faults = slices.Delete(s.faults, i, i+1)
			return nil
		}
	}
	return fmt.Errorf("fault %s: %w", id, ErrNotFound)
}

// ClearFaults removes every fault.
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Faults lists the active faults.
func (s *Simulator) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, len(s.faults))
	for i, f := range s.faults {
		out[i] = *f
		out[i].Calls = slices.Clone(f.Calls)
	}
	return out
}

// takeFaultLocked finds the first fault of kind that matches and uses it up once.
func (s *Simulator) takeFaultLocked(kind FaultKind, serviceID string, subjects []string, call string) *Fault {
	for i, f := range s.faults {
		if f.Kind != kind ||
			(f.ServiceID != "" && f.ServiceID != serviceID) ||
			(f.TransactionID != "" && !slices.Contains(subjects, f.TransactionID)) ||
			(call != "" && len(f.Calls) > 0 && !slices.Contains(f.Calls, call)) {
			continue
		}
		taken := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return &taken
	}
	return nil
}

type notificationFaults struct {
	drop, duplicate, outOfOrder, delay *Fault
}

func (s *Simulator) notificationFaultsLocked(serviceID string, subjects []string) notificationFaults {
	return notificationFaults{
		drop:       s.takeFaultLocked(FaultDrop, serviceID, subjects, ""),
		duplicate:  s.takeFaultLocked(FaultDuplicate, serviceID, subjects, ""),
		outOfOrder: s.takeFaultLocked(FaultOutOfOrder, serviceID, subjects, ""),
		delay:      s.takeFaultLocked(FaultDelay, serviceID, subjects, ""),
	}
}

func (f notificationFaults) names() []string {
	var out []string
	for _, x := range []*Fault{f.drop, f.duplicate, f.outOfOrder, f.delay} {
		if x != nil {
			out = append(out, x.ID+":"+string(x.Kind))
		}
	}
	return out
}

// injectAPIFault applies apiSlow and apiError faults to one API call. It reports whether it has
// answered the request, in which case the handler must do nothing else.
func (s *Simulator) injectAPIFault(w http.ResponseWriter, r *http.Request, call, serviceID, subjectID string) bool {
	var subjects []string
	if subjectID != "" {
		subjects = []string{subjectID}
	}
	s.mu.Lock()
	slow := s.takeFaultLocked(FaultAPISlow, serviceID, subjects, call)
	fail := s.takeFaultLocked(FaultAPIError, serviceID, subjects, call)
	s.mu.Unlock()
	if slow != nil {
		t := time.NewTimer(time.Duration(slow.Delay))
		defer t.Stop()
		// The wait ignores the client going away: imoje does not know the shop gave up, so the
		// call still takes effect, which is the case a client's timeout handling must survive.
		select {
		case <-t.C:
		case <-s.ctx.Done():
			writeAPIError(w, r, http.StatusServiceUnavailable, "SIMULATOR_CLOSED", "the simulator is shutting down")
			return true
		}
	}
	if fail != nil {
		writeAPIError(w, r, fail.StatusCode, "SIMULATED_FAULT", fmt.Sprintf("fault %s injected by imojesim", fail.ID))
		return true
	}
	return false
}
