package imojesim

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

func (s *Simulator) routes() {
	mux := http.NewServeMux()
	const v1 = "/v1/merchant/{merchantId}"
	mux.HandleFunc("POST "+v1+"/transaction", s.api(s.createTransaction))
	mux.HandleFunc("GET "+v1+"/transaction/{transactionId}", s.api(s.getTransaction))
	mux.HandleFunc("POST "+v1+"/transaction/{transactionId}/refund", s.api(s.refundTransaction))
	mux.HandleFunc("POST "+v1+"/payment", s.api(s.createPayment))
	mux.HandleFunc("GET "+v1+"/payment/{paymentId}", s.api(s.getPayment))
	mux.HandleFunc("POST "+v1+"/payment/cancel", s.api(s.cancelPayment))
	mux.HandleFunc("GET "+v1+"/service/{serviceId}", s.api(s.getService))
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, r, http.StatusNotFound, "NOT_FOUND", "no such endpoint")
	})
	s.paywallRoutes(mux)
	s.adminRoutes(mux)
	s.mux = mux
}

// api wraps a REST handler with imoje's bearer-token check.
func (s *Simulator) api(h func(http.ResponseWriter, *http.Request, *merchant)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, ok := s.authorize(r)
		if !ok {
			writeAPIError(w, r, http.StatusUnauthorized, "UNAUTHORIZED", "missing or invalid authorization token")
			return
		}
		h(w, r, m)
	}
}

func notFound(w http.ResponseWriter, r *http.Request, what, id string) {
	writeAPIError(w, r, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("%s %s not found", what, id))
}

func unprocessable(w http.ResponseWriter, r *http.Request, errs []FieldError) {
	writeAPIError(w, r, http.StatusUnprocessableEntity, "VALIDATION_ERROR", "request validation failed", errs...)
}

func (s *Simulator) createTransaction(w http.ResponseWriter, r *http.Request, m *merchant) {
	var req TransactionRequest
	if err := DecodeRequest(r.Body, &req); err != nil {
		badRequest(w, r, err)
		return
	}
	if s.injectAPIFault(w, r, CallCreateTransaction, req.ServiceID, "") {
		return
	}
	base := s.baseURL(r)
	s.mu.Lock()
	t, errs := s.newTransactionLocked(m, req, base)
	if errs != nil {
		s.mu.Unlock()
		unprocessable(w, r, errs)
		return
	}
	s.addTransactionLocked(t)
	if t.blikCode != "" {
		s.scheduleBlikLocked(t)
	}
	resp := map[string]any{"transaction": t.view(), "action": t.action()}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// findTransactionLocked finds a transaction of the merchant; another merchant's is not found.
func (s *Simulator) findTransactionLocked(m *merchant, id string) *transaction {
	t, ok := s.transactions[id]
	if !ok || t.shop.merchant != m {
		return nil
	}
	return t
}

func (s *Simulator) findPaymentLocked(m *merchant, id string) *paymentLink {
	l, ok := s.payments[id]
	if !ok || l.shop.merchant != m {
		return nil
	}
	return l
}

func (s *Simulator) serviceOfTransaction(m *merchant, id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.findTransactionLocked(m, id); t != nil {
		return t.shop.serviceID
	}
	return ""
}

func (s *Simulator) getTransaction(w http.ResponseWriter, r *http.Request, m *merchant) {
	id := r.PathValue("transactionId")
	if s.injectAPIFault(w, r, CallGetTransaction, s.serviceOfTransaction(m, id), id) {
		return
	}
	s.mu.Lock()
	s.expireDueLocked()
	t := s.findTransactionLocked(m, id)
	var view Transaction
	if t != nil {
		view = t.viewWithRefunds()
	}
	s.mu.Unlock()
	if t == nil {
		notFound(w, r, "transaction", id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]Transaction{"transaction": view})
}

func (s *Simulator) refundTransaction(w http.ResponseWriter, r *http.Request, m *merchant) {
	id := r.PathValue("transactionId")
	var req RefundRequest
	if err := DecodeRequest(r.Body, &req); err != nil {
		badRequest(w, r, err)
		return
	}
	if s.injectAPIFault(w, r, CallRefund, s.serviceOfTransaction(m, id), id) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sale := s.findTransactionLocked(m, id)
	if sale == nil {
		notFound(w, r, "transaction", id)
		return
	}
	var v validation
	if req.Type != "refund" {
		v.add("type", `must be "refund"`)
	}
	if req.ServiceID == "" {
		v.add("serviceId", "is required")
	} else if req.ServiceID != sale.shop.serviceID {
		v.add("serviceId", "is not the service of the transaction")
	}
	v.title(req.Title, false)
	available := sale.amount - sale.refundedLocked()
	var amount int64
	switch {
	case sale.typ != "sale":
		v.add("transactionId", "only a sale can be refunded")
	case sale.status != StatusSettled:
		v.add("transactionId", "only a settled transaction can be refunded (status is %s)", sale.status)
	case available <= 0:
		v.add("amount", "the transaction is already fully refunded")
	default:
		amount, _ = v.amount("amount", req.Amount, available)
	}
	now := s.nowLocked()
	if last, ok := s.lastRefund[m.id]; ok && s.cfg.RefundSpacing > 0 && now.Sub(last) < s.cfg.RefundSpacing {
		// imoje asks for at least 5 s between refunds of one merchant; the simulator refuses a
		// refund that comes sooner so that clients learn to space them.
		v.add("amount", "refunds of one merchant must be at least %s apart; retry after %s", s.cfg.RefundSpacing, last.Add(s.cfg.RefundSpacing).Format(time.RFC3339))
	}
	if !v.ok() {
		unprocessable(w, r, v.errs)
		return
	}
	refund := s.createRefundLocked(sale, amount, req.Title)
	writeJSON(w, http.StatusOK, map[string]Transaction{"transaction": refund.view()})
}

func (s *Simulator) createPayment(w http.ResponseWriter, r *http.Request, m *merchant) {
	var req PaymentRequest
	if err := DecodeRequest(r.Body, &req); err != nil {
		badRequest(w, r, err)
		return
	}
	if s.injectAPIFault(w, r, CallCreatePayment, req.ServiceID, "") {
		return
	}
	base := s.baseURL(r)
	s.mu.Lock()
	l, errs := s.newPaymentLocked(m, req, base)
	if errs != nil {
		s.mu.Unlock()
		unprocessable(w, r, errs)
		return
	}
	s.payments[l.id] = l
	view := l.view()
	s.mu.Unlock()
	view.Transactions = nil // a new link has none; imoje's create response does not list them
	writeJSON(w, http.StatusOK, map[string]Payment{"payment": view})
}

func (s *Simulator) getPayment(w http.ResponseWriter, r *http.Request, m *merchant) {
	id := r.PathValue("paymentId")
	s.mu.Lock()
	serviceID := ""
	if l := s.findPaymentLocked(m, id); l != nil {
		serviceID = l.shop.serviceID
	}
	s.mu.Unlock()
	if s.injectAPIFault(w, r, CallGetPayment, serviceID, id) {
		return
	}
	s.mu.Lock()
	s.expireDueLocked()
	l := s.findPaymentLocked(m, id)
	var view Payment
	if l != nil {
		view = l.view()
	}
	s.mu.Unlock()
	if l == nil {
		notFound(w, r, "payment", id)
		return
	}
	// GET payment/{id} answers with the link itself, without a wrapper object.
	writeJSON(w, http.StatusOK, view)
}

func (s *Simulator) cancelPayment(w http.ResponseWriter, r *http.Request, m *merchant) {
	var req CancelPaymentRequest
	if err := DecodeRequest(r.Body, &req); err != nil {
		badRequest(w, r, err)
		return
	}
	if s.injectAPIFault(w, r, CallCancelPayment, req.ServiceID, req.PaymentID) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireDueLocked()
	var v validation
	sh := v.shopOf(m, req.ServiceID)
	var l *paymentLink
	if req.PaymentID == "" {
		v.add("paymentId", "is required")
	} else if l = s.findPaymentLocked(m, req.PaymentID); l == nil || (sh != nil && l.shop != sh) {
		v.add("paymentId", "no such payment in this service")
	} else if !l.isActive() {
		v.add("paymentId", "the payment is %s and can no longer be cancelled", l.status)
	}
	if !v.ok() {
		unprocessable(w, r, v.errs)
		return
	}
	s.cancelLinkLocked(l)
	view := l.view()
	writeJSON(w, http.StatusOK, map[string]Payment{"payment": view})
}

func (s *Simulator) getService(w http.ResponseWriter, r *http.Request, m *merchant) {
	id := r.PathValue("serviceId")
	if s.injectAPIFault(w, r, CallGetService, id, "") {
		return
	}
	s.mu.Lock()
	var sh *shop
	for _, x := range m.shops {
		if x.serviceID == id {
			sh = x
		}
	}
	var svc Service
	if sh != nil {
		svc = Service{ID: sh.serviceID, IsActive: true, PaymentMethods: []ServiceMethod{}}
		for _, c := range sh.channels {
			svc.PaymentMethods = append(svc.PaymentMethods, ServiceMethod{
				PaymentMethod: c.Method, PaymentMethodCode: c.Code, IsActive: c.Active, IsOnline: c.Online,
				Currency: c.Currency, Description: c.Description,
				TransactionLimits: TransactionLimits{MinTransaction: LimitValue{c.Min}, MaxTransaction: LimitValue{c.Max}},
			})
		}
	}
	s.mu.Unlock()
	if sh == nil {
		notFound(w, r, "service", id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]Service{"service": svc})
}

// httpStatusOf maps the Go API's errors to the test endpoints' statuses.
func httpStatusOf(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrFinalState), errors.Is(err, ErrInactiveLink), errors.Is(err, ErrDuplicate):
		return http.StatusConflict
	case errors.Is(err, ErrInvalidOption):
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}
