package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// poolCollector reports the application pool's statistics at scrape time.
type poolCollector struct{ pool *pgxpool.Pool }

var (
	poolAcquired = prometheus.NewDesc("slotpay_db_pool_acquired_connections", "Connections in use.", nil, nil)
	poolIdle     = prometheus.NewDesc("slotpay_db_pool_idle_connections", "Idle connections.", nil, nil)
	poolTotal    = prometheus.NewDesc("slotpay_db_pool_total_connections", "Connections open (in use, idle and being opened).", nil, nil)
	poolMax      = prometheus.NewDesc("slotpay_db_pool_max_connections", "The pool's limit.", nil, nil)
	poolAcquires = prometheus.NewDesc("slotpay_db_pool_acquires_total", "Connections handed out.", nil, nil)
	poolWaits    = prometheus.NewDesc("slotpay_db_pool_acquire_waits_total",
		"Acquisitions that had to wait because no connection was idle.", nil, nil)
	poolWaitTime = prometheus.NewDesc("slotpay_db_pool_acquire_wait_seconds_total",
		"Time spent waiting for a connection when none was idle.", nil, nil)
	poolCanceled = prometheus.NewDesc("slotpay_db_pool_acquires_canceled_total",
		"Acquisitions given up (the request ended first).", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolTotal, poolMax, poolAcquires, poolWaits, poolWaitTime, poolCanceled} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolAcquired, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWaitTime, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds())
	ch <- prometheus.MustNewConstMetric(poolCanceled, prometheus.CounterValue, float64(s.CanceledAcquireCount()))
}

// backlogCollector reads, at scrape time, what reconciliation has yet to do across all businesses,
// through metrics_reconciliation_backlog (SECURITY DEFINER: the application role sees one tenant at
// a time), which returns counts and an age only.
type backlogCollector struct {
	pool   *pgxpool.Pool
	minAge time.Duration
	now    func() time.Time
	log    *slog.Logger
}

// backlogTimeout bounds the scrape's query: a slow database leaves the families out of this
// scrape rather than holding the scraper.
const backlogTimeout = 2 * time.Second

var (
	backlogPayments = prometheus.NewDesc("slotpay_reconciliation_backlog_payments",
		"Payments open (CREATED, UNKNOWN, PENDING, SUPERSEDED) past their check time: what reconciliation would claim now.", nil, nil)
	backlogRefunds = prometheus.NewDesc("slotpay_reconciliation_backlog_refunds",
		"Refunds open (REQUESTED, PENDING) past their check time.", nil, nil)
	openPayments = prometheus.NewDesc("slotpay_payments_open",
		"Payments waiting for imoje's word (CREATED, UNKNOWN, PENDING, SUPERSEDED), due or not.", nil, nil)
	oldestOpen = prometheus.NewDesc("slotpay_payments_oldest_open_age_seconds",
		"Age of the oldest payment waiting for imoje's word (0 when none).", nil, nil)
)

func (*backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- backlogPayments
	ch <- backlogRefunds
	ch <- openPayments
	ch <- oldestOpen
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
	defer cancel()
	var due, refunds, open int64
	var oldest float64
	err := c.pool.QueryRow(ctx, `SELECT due_payments, due_refunds, open_payments, oldest_open_seconds
		FROM metrics_reconciliation_backlog($1, $2::interval)`, c.now().UTC(), c.minAge.String()).
		Scan(&due, &refunds, &open, &oldest)
	if err != nil {
		c.log.Warn("metrics: reconciliation backlog not read", "error", err.Error())
		return
	}
	ch <- prometheus.MustNewConstMetric(backlogPayments, prometheus.GaugeValue, float64(due))
	ch <- prometheus.MustNewConstMetric(backlogRefunds, prometheus.GaugeValue, float64(refunds))
	ch <- prometheus.MustNewConstMetric(openPayments, prometheus.GaugeValue, float64(open))
	ch <- prometheus.MustNewConstMetric(oldestOpen, prometheus.GaugeValue, oldest)
}
