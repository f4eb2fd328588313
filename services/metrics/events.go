package metrics

// WebSocketOpened counts a WebSocket connection the transport accepted.
func (m *Metrics) WebSocketOpened() {
	if m != nil {
		m.wsConnections.Inc()
	}
}

// WebSocketClosed counts the end of a connection WebSocketOpened counted, with its close code (-1:
// no close frame) and who closed it ("server" or "client").
func (m *Metrics) WebSocketClosed(code int, by string) {
	if m == nil {
		return
	}
	if by != "server" && by != "client" {
		by = "server"
	}
	// Counted before the connection leaves the gauge: a scrape after one that saw the gauge drop
	// sees the close.
	m.wsCloses.WithLabelValues(CloseCode(code), by).Inc()
	m.wsConnections.Dec()
}

// SubscriptionStarted counts a subscription that began streaming events on a WebSocket.
func (m *Metrics) SubscriptionStarted() {
	if m != nil {
		m.wsSubscriptions.Inc()
	}
}

// SubscriptionEnded counts the end of one SubscriptionStarted counted.
func (m *Metrics) SubscriptionEnded() {
	if m != nil {
		m.wsSubscriptions.Dec()
	}
}

// SlowConsumer counts a subscriber the events broker dropped because its buffer overflowed.
func (m *Metrics) SlowConsumer() {
	if m != nil {
		m.slowConsumers.Inc()
	}
}

// Notification counts one notification answered at /payment-imoje: outcome is the payments
// outcome it was applied with (APPLIED, DUPLICATE, STALE…), empty when it was refused; status is
// the HTTP status answered, which names the refusal.
func (m *Metrics) Notification(outcome string, status int) {
	if m == nil {
		return
	}
	label := NotificationOutcome(outcome)
	if outcome == "" {
		label = Refusal(status)
	}
	m.notifications.WithLabelValues(label, Status(status)).Inc()
}

// Refusal is the outcome label of a refused notification by the status the webhook answered:
// 401 a signature the shop's key does not verify (a wrong shop key in imoje's panel or in
// slotpay), 404 a shop no business holds, 413 a body too large, another 4xx a malformed
// notification, 5xx a failure imoje retries (the database did not answer).
func Refusal(status int) string {
	switch {
	case status == 401 || status == 403:
		return "refused_signature"
	case status == 404:
		return "refused_unknown_shop"
	case status == 413:
		return "refused_too_large"
	case status >= 400 && status < 500:
		return "refused_malformed"
	}
	return "failed"
}

// Reconciled counts what asking imoje about a payment changed (the payments outcome).
func (m *Metrics) Reconciled(outcome string) {
	if m != nil {
		m.reconciliation.WithLabelValues(NotificationOutcome(outcome)).Inc()
	}
}

// HoldsExpired counts holds the background expiry ended.
func (m *Metrics) HoldsExpired(n int) {
	if m != nil && n > 0 {
		m.holdsExpired.Add(float64(n))
	}
}

// NotificationOutcome is the outcome label: the payments outcomes and the webhook's refusals in
// lower case, else "other" (a new outcome shows up as other rather than as a new series nobody
// alerts on).
func NotificationOutcome(o string) string {
	switch o {
	case "APPLIED", "applied":
		return "applied"
	case "NO_CHANGE", "no_change":
		return "no_change"
	case "STALE", "stale":
		return "stale"
	case "UNKNOWN_ORDER", "unknown_order":
		return "unknown_order"
	case "MISMATCH", "mismatch":
		return "mismatch"
	case "DUPLICATE", "duplicate":
		return "duplicate"
	case "refused_signature", "refused_malformed", "refused_unknown_shop", "refused_too_large", "failed":
		return o
	}
	return "other"
}
