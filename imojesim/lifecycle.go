package imojesim

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// transaction is a sale or a refund as the simulator keeps it.
type transaction struct {
	id, typ, status, source string
	created, modified       time.Time
	shop                    *shop
	notificationURL         string // the effective URL: the request's override or the shop's
	amount                  int64
	currency, title         string
	orderID                 string
	method, code            string
	statusCode, statusDesc  string
	successURL, failureURL  string
	returnURL               string
	customer                Customer
	blikCode, clientIP      string
	validTo                 time.Time
	actionURL               string
	link                    *paymentLink   // set when paid through a payment link
	parent                  *transaction   // the sale of a refund
	refunds                 []*transaction // refunds of a sale
}

// paymentLink is a payment link ("payment" in imoje's API).
type paymentLink struct {
	id, status                 string
	created, modified, validTo time.Time
	shop                       *shop
	amount                     int64
	currency, orderID, title   string
	customer                   Customer
	visibleMethod              []string
	preselect                  string
	returnURL, successURL      string
	failureURL                 string
	notificationURL            string
	url                        string
	transactions               []*transaction
}

func (l *paymentLink) isActive() bool { return !isFinal(l.status) }

func (t *transaction) view() Transaction {
	return Transaction{
		ID: t.id, Type: t.typ, Status: t.status, Source: t.source,
		Created: t.created.Unix(), Modified: t.modified.Unix(),
		NotificationURL: t.notificationURL, ServiceID: t.shop.serviceID,
		Amount: t.amount, Currency: t.currency, Title: t.title, OrderID: t.orderID,
		PaymentMethod: t.method, PaymentMethodCode: t.code,
		StatusCode: t.statusCode, StatusCodeDescription: t.statusDesc,
	}
}

// viewWithRefunds is GET transaction/{id}: a sale lists its refunds (possibly none).
func (t *transaction) viewWithRefunds() Transaction {
	v := t.view()
	if t.typ == "sale" {
		v.Refunds = []RefundEntry{}
		for _, r := range t.refunds {
			v.Refunds = append(v.Refunds, RefundEntry{Transaction: r.view()})
		}
	}
	return v
}

func (t *transaction) action() *Action {
	return &Action{Type: "redirect", URL: t.actionURL, Method: "GET"}
}

func (l *paymentLink) summary() *PaymentSummary {
	return &PaymentSummary{
		ID: l.id, Title: l.title, Amount: l.amount, Status: l.status,
		Created: l.created.Unix(), OrderID: l.orderID, Currency: l.currency,
		Modified: l.modified.Unix(), ServiceID: l.shop.serviceID, NotificationURL: l.notificationURL,
	}
}

func (l *paymentLink) view() Payment {
	p := Payment{
		ID: l.id, URL: l.url, ServiceID: l.shop.serviceID, OrderID: l.orderID, Title: l.title,
		Amount: l.amount, Currency: l.currency, Status: l.status, IsActive: l.isActive(),
		Created: l.created.Unix(), Modified: l.modified.Unix(),
		NotificationURL: l.notificationURL, ReturnURL: l.returnURL,
		SuccessReturnURL: l.successURL, FailureReturnURL: l.failureURL,
		VisibleMethod: l.visibleMethod, PreselectMethodCode: l.preselect,
		Transactions: []Transaction{},
	}
	if !l.validTo.IsZero() {
		p.ValidTo = l.validTo.Unix()
	}
	c := l.customer
	p.Customer = &c
	for _, t := range l.transactions {
		p.Transactions = append(p.Transactions, t.view())
	}
	return p
}

// offeredChannels are the channels a payment link shows on the paywall: active, online, in the
// link's currency and among visibleMethod when that is given. Channels whose limits exclude the
// amount are returned too, marked, because imoje shows pay-later providers the payer cannot use.
func (l *paymentLink) offeredChannels() []ChannelConfig {
	var out []ChannelConfig
	for _, c := range l.shop.channels {
		if !c.Active || !c.Online || c.Currency != l.currency {
			continue
		}
		if len(l.visibleMethod) > 0 && !slices.Contains(l.visibleMethod, c.Method) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func withinLimits(c ChannelConfig, amount int64) bool {
	return amount >= c.Min && (c.Max == 0 || amount <= c.Max)
}

// setStatusLocked records a status change of a transaction, follows it on its payment link and
// sends the notification. Callers have checked that the move is allowed.
func (s *Simulator) setStatusLocked(t *transaction, status, code, desc string) {
	now := s.nowLocked()
	t.status, t.statusCode, t.statusDesc, t.modified = status, code, desc, now
	if l := t.link; l != nil && l.isActive() {
		switch {
		case status == StatusPending && l.status == StatusNew, status == StatusSettled:
			l.status, l.modified = status, now
		}
	}
	s.notifyTransactionLocked(t)
}

// moveLocked moves a transaction towards status the way imoje does: a payer who pays or is
// refused was first at the bank, so new → final passes through pending (with its own
// notification); cancelling from new does not. Final states never change.
func (s *Simulator) moveLocked(t *transaction, status, code, desc string) error {
	if isFinal(t.status) {
		return fmt.Errorf("transaction %s is %s: %w", t.id, t.status, ErrFinalState)
	}
	if t.status == status {
		return nil
	}
	if t.status == StatusNew && isFinal(status) && status != StatusCancelled {
		s.setStatusLocked(t, StatusPending, "", "")
	}
	s.setStatusLocked(t, status, code, desc)
	return nil
}

// expireDueLocked cancels payment links, and direct transactions still waiting for the payer,
// whose validTo has passed.
func (s *Simulator) expireDueLocked() {
	now := s.nowLocked()
	for _, l := range s.payments {
		if l.isActive() && !l.validTo.IsZero() && !now.Before(l.validTo) {
			s.cancelLinkLocked(l)
		}
	}
	for _, id := range s.order {
		t := s.transactions[id]
		if t.typ == "sale" && t.link == nil && !isFinal(t.status) && !t.validTo.IsZero() && !now.Before(t.validTo) {
			s.setStatusLocked(t, StatusCancelled, "", "validTo passed")
		}
	}
}

// ApplyOutcome does what the payer does on the paywall, for tests. id is a transaction or a
// payment link; paying a link creates its transaction with the chosen channel.
func (s *Simulator) ApplyOutcome(id string, o Outcome) (OutcomeResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applyOutcomeLocked(id, o)
}

func (s *Simulator) applyOutcomeLocked(id string, o Outcome) (OutcomeResult, error) {
	s.expireDueLocked()
	t, ok := s.transactions[id]
	var newOnLink *paymentLink // a payer paying a link: its transaction is kept only if the outcome is valid
	if !ok {
		l, ok := s.payments[id]
		if !ok {
			return OutcomeResult{}, fmt.Errorf("transaction or payment %s: %w", id, ErrNotFound)
		}
		if !l.isActive() {
			return OutcomeResult{}, fmt.Errorf("payment %s is %s: %w", l.id, l.status, ErrInactiveLink)
		}
		if o.Outcome == "cancel" {
			// The payer leaves the paywall with "Cancel": the link itself is cancelled.
			s.cancelLinkLocked(l)
			return OutcomeResult{RedirectURL: cmp.Or(l.failureURL, l.returnURL)}, nil
		}
		var err error
		if t, err = s.newLinkTransactionLocked(l, o); err != nil {
			return OutcomeResult{}, err
		}
		newOnLink = l
	}
	if isFinal(t.status) {
		return OutcomeResult{}, fmt.Errorf("transaction %s is %s: %w", t.id, t.status, ErrFinalState)
	}
	if t.typ == "refund" {
		if o.Outcome == "pending" || o.Outcome == "cancel" {
			return OutcomeResult{}, fmt.Errorf("a refund can be settled, rejected or fail: %w", ErrInvalidOption)
		}
	}
	ch, _ := t.shop.channel(t.method, t.code)
	if t.typ == "refund" || t.link == nil {
		ch.Max, ch.Min = 0, 0 // limits were checked when the API created it
	}
	status, code, desc, err := decide(t, o, ch)
	if err != nil {
		return OutcomeResult{}, err
	}
	if newOnLink != nil {
		s.addTransactionLocked(t)
		newOnLink.transactions = append(newOnLink.transactions, t)
	}
	if err := s.moveLocked(t, status, code, desc); err != nil {
		return OutcomeResult{}, err
	}
	return OutcomeResult{Transaction: t.view(), RedirectURL: t.redirectURL()}, nil
}

// redirectURL is where the payer goes after the paywall: success for a paid (or still pending)
// transaction, failure otherwise; returnUrl when the specific one is missing.
func (t *transaction) redirectURL() string {
	if t.status == StatusSettled || t.status == StatusPending || t.status == StatusNew {
		return cmp.Or(t.successURL, t.returnURL)
	}
	return cmp.Or(t.failureURL, t.returnURL)
}

// newLinkTransactionLocked builds (but does not store) the transaction of a payer who picked a
// channel on a payment link's paywall.
func (s *Simulator) newLinkTransactionLocked(l *paymentLink, o Outcome) (*transaction, error) {
	code := cmp.Or(o.PaymentMethodCode, l.preselect)
	if code == "" {
		return nil, fmt.Errorf("choose a payment method: %w", ErrInvalidOption)
	}
	var ch ChannelConfig
	found := false
	for _, c := range l.offeredChannels() {
		if c.Code == code && (o.PaymentMethod == "" || o.PaymentMethod == c.Method) {
			ch, found = c, true
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("payment %s does not offer channel %q: %w", l.id, code, ErrInvalidOption)
	}
	now := s.nowLocked()
	t := &transaction{
		id: newUUID(), typ: "sale", status: StatusNew, source: "web",
		created: now, modified: now, shop: l.shop, notificationURL: l.notificationURL,
		amount: l.amount, currency: l.currency, title: l.title, orderID: l.orderID,
		method: ch.Method, code: ch.Code,
		successURL: l.successURL, failureURL: l.failureURL, returnURL: l.returnURL,
		customer: l.customer, actionURL: l.url, link: l,
	}
	return t, nil
}

// cancelLinkLocked cancels an active payment link; imoje then notifies with the payment only.
func (s *Simulator) cancelLinkLocked(l *paymentLink) {
	l.status, l.modified = StatusCancelled, s.nowLocked()
	s.notifyPaymentLocked(l)
}

func (s *Simulator) addTransactionLocked(t *transaction) {
	s.transactions[t.id] = t
	s.order = append(s.order, t.id)
}

// scheduleBlikLocked resolves a BLIK transaction created with a test code after the time a payer
// takes to confirm in the app (2 s, scaled). Codes without a rule wait for the paywall or a test.
func (s *Simulator) scheduleBlikLocked(t *transaction) {
	status, code, desc, ok := blikDecision(t.blikCode)
	if !ok {
		return
	}
	s.afterFuncLocked(s.scaled(2*time.Second), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !isFinal(t.status) {
			s.moveLocked(t, status, code, desc)
		}
	})
}

// refundedLocked is what is already refunded or being refunded from a sale.
func (t *transaction) refundedLocked() int64 {
	var sum int64
	for _, r := range t.refunds {
		if r.status == StatusNew || r.status == StatusPending || r.status == StatusSettled {
			sum += r.amount
		}
	}
	return sum
}

// refundProcessing is how long imoje takes, in the simulator, to settle a refund (scaled).
const refundProcessing = 2 * time.Second

func (s *Simulator) createRefundLocked(sale *transaction, amount int64, title string) *transaction {
	now := s.nowLocked()
	if title == "" {
		title = sale.title
	}
	r := &transaction{
		id: newUUID(), typ: "refund", status: StatusNew, source: "api",
		created: now, modified: now, shop: sale.shop, notificationURL: sale.notificationURL,
		amount: amount, currency: sale.currency, title: title, orderID: sale.orderID,
		method: sale.method, code: sale.code, parent: sale,
	}
	sale.refunds = append(sale.refunds, r)
	s.addTransactionLocked(r)
	s.lastRefund[sale.shop.merchant.id] = now
	s.afterFuncLocked(s.scaled(refundProcessing), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.status == StatusNew {
			s.setStatusLocked(r, StatusSettled, "", "")
		}
	})
	return r
}

// Transaction returns a transaction or refund as GET transaction/{id} shows it.
func (s *Simulator) Transaction(id string) (Transaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.transactions[id]
	if !ok {
		return Transaction{}, fmt.Errorf("transaction %s: %w", id, ErrNotFound)
	}
	return t.viewWithRefunds(), nil
}

// Payment returns a payment link as GET payment/{id} shows it.
func (s *Simulator) Payment(id string) (Payment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireDueLocked()
	l, ok := s.payments[id]
	if !ok {
		return Payment{}, fmt.Errorf("payment %s: %w", id, ErrNotFound)
	}
	return l.view(), nil
}

// Transactions lists every transaction and refund, oldest first.
func (s *Simulator) Transactions() []Transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Transaction, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.transactions[id].view())
	}
	return out
}

// Payments lists every payment link, newest first.
func (s *Simulator) Payments() []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Payment, 0, len(s.payments))
	for _, l := range s.payments {
		out = append(out, l.view())
	}
	slices.SortFunc(out, func(a, b Payment) int {
		return cmp.Or(cmp.Compare(b.Created, a.Created), strings.Compare(a.ID, b.ID))
	})
	return out
}
