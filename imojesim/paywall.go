package imojesim

import (
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{"money": formatMoney}).ParseFS(templateFiles, "templates/*.html"))

// formatMoney shows minor units the Polish way: 1234,50 PLN.
func formatMoney(amount int64, currency string) string {
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	return fmt.Sprintf("%s%d,%02d %s", sign, amount/100, amount%100, currency)
}

var methodLabels = map[string]string{
	"blik": "BLIK", "pbl": "Fast bank transfer", "card": "Card", "wallet": "Wallet",
	"imoje_paylater": "Pay later", "wt": "Wire transfer", "imoje_installments": "Instalments",
}

type paywallChannel struct {
	ChannelConfig
	Name     string
	Within   bool
	Selected bool
}

type paywallGroup struct {
	Method, Label string
	Channels      []paywallChannel
}

type paywallPage struct {
	Link                                 bool
	OrderID, Title, ServiceID            string
	Amount                               int64
	Currency, Status                     string
	StatusCode, StatusDescription        string
	Customer                             Customer
	Closed                               bool
	ReturnURL                            string
	Method, ChannelName, BlikCode, Error string
	Groups                               []paywallGroup
}

func (s *Simulator) paywallRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /paywall/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.renderPaywall(w, r.PathValue("id"), "", http.StatusOK)
	})
	mux.HandleFunc("POST /paywall/{id}", s.submitPaywall)
}

func channelName(c ChannelConfig) string {
	if c.Description != "" {
		return c.Description
	}
	return c.Code
}

// paywallPageLocked describes the paywall of a transaction or a payment link.
func (s *Simulator) paywallPageLocked(id string) (paywallPage, bool) {
	s.expireDueLocked()
	if t, ok := s.transactions[id]; ok && t.typ == "sale" {
		ch, _ := t.shop.channel(t.method, t.code)
		return paywallPage{
			OrderID: t.orderID, Title: t.title, ServiceID: t.shop.serviceID, Amount: t.amount,
			Currency: t.currency, Status: t.status, StatusCode: t.statusCode, StatusDescription: t.statusDesc,
			Customer: t.customer, Closed: isFinal(t.status), ReturnURL: t.redirectURL(),
			Method: t.method, ChannelName: channelName(ch), BlikCode: t.blikCode,
		}, true
	}
	l, ok := s.payments[id]
	if !ok {
		return paywallPage{}, false
	}
	p := paywallPage{
		Link: true, OrderID: l.orderID, Title: l.title, ServiceID: l.shop.serviceID, Amount: l.amount,
		Currency: l.currency, Status: l.status, Customer: l.customer, Closed: !l.isActive(),
		ReturnURL: l.returnURL,
	}
	switch l.status {
	case StatusSettled:
		p.ReturnURL = cmp.Or(l.successURL, l.returnURL)
	case StatusCancelled:
		p.ReturnURL = cmp.Or(l.failureURL, l.returnURL)
	}
	for _, c := range l.offeredChannels() {
		// Only pay-later providers are shown when the amount is outside their limits (imoje
		// lists them as unavailable); other channels outside their limits are hidden.
		within := withinLimits(c, l.amount)
		if !within && c.Method != "imoje_paylater" {
			continue
		}
		if len(p.Groups) == 0 || p.Groups[len(p.Groups)-1].Method != c.Method {
			p.Groups = append(p.Groups, paywallGroup{Method: c.Method, Label: methodLabels[c.Method]})
		}
		g := &p.Groups[len(p.Groups)-1]
		g.Channels = append(g.Channels, paywallChannel{ChannelConfig: c, Name: channelName(c), Within: within, Selected: c.Code == l.preselect})
	}
	return p, true
}

func (s *Simulator) renderPaywall(w http.ResponseWriter, id, errMsg string, status int) {
	s.mu.Lock()
	page, ok := s.paywallPageLocked(id)
	s.mu.Unlock()
	if !ok {
		http.Error(w, "no such payment", http.StatusNotFound)
		return
	}
	page.Error = errMsg
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := templates.ExecuteTemplate(w, "paywall", page); err != nil {
		s.logf("imojesim: paywall template: %v", err)
	}
}

// submitPaywall applies the payer's choice and sends them back to the shop.
func (s *Simulator) submitPaywall(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		s.renderPaywall(w, id, "The form could not be read.", http.StatusBadRequest)
		return
	}
	o := Outcome{
		Outcome:    r.PostForm.Get("outcome"),
		BlikCode:   strings.TrimSpace(r.PostForm.Get("blikCode")),
		CardNumber: r.PostForm.Get("cardNumber"),
	}
	if method, code, ok := strings.Cut(r.PostForm.Get("channel"), ":"); ok {
		o.PaymentMethod, o.PaymentMethodCode = method, code
	}
	if o.Outcome != "settle" {
		o.BlikCode, o.CardNumber = "", "" // Reject and Cancel need no code
	} else if o.BlikCode == "" && s.needsBlikCode(id, o) {
		// The test endpoint settles BLIK without a code for convenience; a payer must type one.
		s.renderPaywall(w, id, "Enter the 6-digit BLIK code.", http.StatusUnprocessableEntity)
		return
	}
	res, err := s.ApplyOutcome(id, o)
	if err != nil {
		s.renderPaywall(w, id, userMessage(err), httpStatusOf(err))
		return
	}
	if res.RedirectURL == "" {
		s.renderPaywall(w, id, "", http.StatusOK)
		return
	}
	http.Redirect(w, r, res.RedirectURL, http.StatusSeeOther)
}

// userMessage is an error without the sentinel suffix, for a person to read.
func userMessage(err error) string {
	msg, _, _ := strings.Cut(err.Error(), ": imojesim: ")
	return msg
}

// needsBlikCode reports whether paying id with o is a BLIK payment whose code nobody has entered.
func (s *Simulator) needsBlikCode(id string, o Outcome) bool {
	if o.PaymentMethod != "" {
		return o.PaymentMethod == "blik"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.transactions[id]
	return ok && t.method == "blik" && t.blikCode == ""
}
