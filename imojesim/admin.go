package imojesim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// adminRoutes are the simulator's own endpoints under /_sim/: outcomes for tests, merchants and
// shops at run time, the clock, faults and the notification log. They need no token: the
// simulator is a development tool and must never face the internet.
func (s *Simulator) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "_sim/") // relative, so it also works under a mount prefix
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("GET /_sim/{$}", s.dashboard)
	mux.HandleFunc("POST /_sim/transactions/{id}/outcome", s.postOutcome)
	mux.HandleFunc("POST /_sim/payments/{id}/outcome", s.postOutcome)
	mux.HandleFunc("GET /_sim/transactions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string][]Transaction{"transactions": s.Transactions()})
	})
	mux.HandleFunc("GET /_sim/deliveries", s.listDeliveries)
	mux.HandleFunc("GET /_sim/merchants", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string][]MerchantConfig{"merchants": s.Merchants()})
	})
	mux.HandleFunc("POST /_sim/merchants", s.postMerchant)
	mux.HandleFunc("POST /_sim/merchants/{merchantId}/shops", s.postShop)
	mux.HandleFunc("PATCH /_sim/shops/{serviceId}", s.patchShop)
	mux.HandleFunc("GET /_sim/clock", s.getClock)
	mux.HandleFunc("POST /_sim/clock", s.postClock)
	mux.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string][]Fault{"faults": s.Faults()})
	})
	mux.HandleFunc("POST /_sim/faults", s.postFault)
	mux.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_sim/faults/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := s.RemoveFault(r.PathValue("id")); err != nil {
			simError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// simError answers a /_sim/ call: {"error":"…"} with the status of the error.
func simError(w http.ResponseWriter, err error) {
	writeJSON(w, httpStatusOf(err), map[string]string{"error": userMessage(err)})
}

func decodeSim(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := DecodeRequest(r.Body, v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return false
	}
	return true
}

func (s *Simulator) postOutcome(w http.ResponseWriter, r *http.Request) {
	var o Outcome
	if !decodeSim(w, r, &o) {
		return
	}
	id := r.PathValue("id")
	// The two routes name what the id is; a transaction id on /payments/ (or the reverse) is a 404.
	s.mu.Lock()
	_, isTransaction := s.transactions[id]
	_, isPayment := s.payments[id]
	s.mu.Unlock()
	if strings.Contains(r.URL.Path, "/payments/") && !isPayment || strings.Contains(r.URL.Path, "/transactions/") && !isTransaction {
		simError(w, fmt.Errorf("%s: %w", id, ErrNotFound))
		return
	}
	res, err := s.ApplyOutcome(id, o)
	if err != nil {
		simError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Simulator) listDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out := []Delivery{}
	for _, d := range s.Deliveries() {
		if v := q.Get("serviceId"); v != "" && d.ServiceID != v {
			continue
		}
		if v := q.Get("transactionId"); v != "" && d.TransactionID != v && d.PaymentID != v {
			continue
		}
		if v := q.Get("state"); v != "" && d.State != v {
			continue
		}
		out = append(out, d)
	}
	writeJSON(w, http.StatusOK, map[string][]Delivery{"deliveries": out})
}

func (s *Simulator) postMerchant(w http.ResponseWriter, r *http.Request) {
	var m MerchantConfig
	if !decodeSim(w, r, &m) {
		return
	}
	m, err := s.AddMerchant(m)
	if err != nil {
		simError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]MerchantConfig{"merchant": m})
}

func (s *Simulator) postShop(w http.ResponseWriter, r *http.Request) {
	var sh ShopConfig
	if !decodeSim(w, r, &sh) {
		return
	}
	sh, err := s.AddShop(r.PathValue("merchantId"), sh)
	if err != nil {
		simError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]ShopConfig{"shop": sh})
}

func (s *Simulator) patchShop(w http.ResponseWriter, r *http.Request) {
	var body struct {
		NotificationURL *string `json:"notificationUrl"`
	}
	if !decodeSim(w, r, &body) {
		return
	}
	if body.NotificationURL == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "notificationUrl is required"})
		return
	}
	if err := s.SetNotificationURL(r.PathValue("serviceId"), *body.NotificationURL); err != nil {
		simError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type clockState struct {
	Now  time.Time `json:"now"`
	Unix int64     `json:"unix"`
}

func (s *Simulator) getClock(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	writeJSON(w, http.StatusOK, clockState{Now: now, Unix: now.Unix()})
}

// postClock takes {"now":"2026-01-02T15:04:05Z"} or {"advance":"90s"}.
func (s *Simulator) postClock(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Now     *time.Time `json:"now"`
		Advance *Duration  `json:"advance"`
	}
	if !decodeSim(w, r, &body) {
		return
	}
	switch {
	case body.Now != nil && body.Advance == nil:
		s.SetNow(*body.Now)
	case body.Advance != nil && body.Now == nil:
		s.Advance(time.Duration(*body.Advance))
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `give exactly one of "now" (RFC 3339) or "advance" (e.g. "90s")`})
		return
	}
	s.getClock(w, r)
}

func (s *Simulator) postFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if !decodeSim(w, r, &f) {
		return
	}
	f, err := s.AddFault(f)
	if err != nil {
		simError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, f)
}

func (s *Simulator) dashboard(w http.ResponseWriter, r *http.Request) {
	deliveries := s.Deliveries()
	slices.Reverse(deliveries) // newest first, as a webhook log reads
	transactions := s.Transactions()
	slices.Reverse(transactions)
	data := map[string]any{
		"Now": s.Now(), "TimeFactor": s.cfg.TimeFactor, "Merchants": s.Merchants(),
		"Transactions": transactions, "Payments": s.Payments(), "Faults": s.Faults(), "Deliveries": deliveries,
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := templates.ExecuteTemplate(w, "dashboard", data); err != nil {
		s.logf("imojesim: dashboard template: %v", err)
	}
}

// sortMerchants orders merchants by id for stable listings.
func sortMerchants(ms []MerchantConfig) {
	slices.SortFunc(ms, func(a, b MerchantConfig) int { return strings.Compare(a.ID, b.ID) })
}
