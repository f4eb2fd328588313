package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/imoje"
)

// webhookPayment is a PENDING payment the webhook workload settles with one notification.
type webhookPayment struct {
	Tenant    Tenant
	PaymentID uuid.UUID
	Amount    int64
}

// webhookKeyPrefix marks the payments the webhook workload makes, so the next run can reuse their
// reservations.
const webhookKeyPrefix = "bench-wh-"

// preparePayments gives n future, confirmed, unpaid reservations of the read tenants a fresh
// PENDING imoje payment, as initiatePayment would after imoje accepted it. Payments an earlier run
// settled are first marked FAILED and their reservations UNPAID again, so the same reservations
// serve every run. Reservations that needed no payment are taken too (and stay UNPAID after a run):
// the seed has too few unpaid future ones for 10 s at the webhook's rate.
func preparePayments(ctx context.Context, e *env, n int) ([]webhookPayment, error) {
	byID := map[uuid.UUID]Tenant{}
	var ids []uuid.UUID
	for _, t := range e.cat.dashboardTenants() {
		byID[t.ID] = t
		ids = append(ids, t.ID)
	}
	var out []webhookPayment
	err := pgx.BeginFunc(ctx, e.owner, func(tx pgx.Tx) error {
		// A checkout with deposits (migration 00014) keeps what paid a reservation beside its
		// payment status: that goes back to nothing too, or the next settlement is a duplicate.
		var money bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
			WHERE table_name = 'reservations' AND column_name = 'paid_amount')`).Scan(&money); err != nil {
			return err
		}
		reset := `payment_status = 'UNPAID'`
		if money {
			reset += `, paid_amount = 0, refunded_amount = 0`
		}
		if _, err := tx.Exec(ctx, `WITH old AS (
				UPDATE payments SET status = 'FAILED', updated_at = now()
				 WHERE idempotency_key LIKE $1 || '%' AND status IN ('CREATED', 'UNKNOWN', 'PENDING', 'PAID')
				RETURNING tenant_id, reservation_id)
			UPDATE reservations r SET `+reset+` FROM old
			 WHERE r.tenant_id = old.tenant_id AND r.id = old.reservation_id`, webhookKeyPrefix); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			WITH pick AS (
				SELECT r.tenant_id, r.id, r.price_amount FROM reservations r
				 WHERE r.tenant_id = ANY($1) AND r.status = 'CONFIRMED' AND r.payment_status IN ('UNPAID', 'NOT_REQUIRED')
				   AND r.starts_at > now() + interval '1 day' AND r.price_amount > 0
				   AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.tenant_id = r.tenant_id AND p.reservation_id = r.id
				                   AND p.status IN ('CREATED', 'UNKNOWN', 'PENDING', 'PAID'))
				 ORDER BY r.id LIMIT $2),
			upd AS (
				UPDATE reservations r SET payment_status = 'PENDING' FROM pick
				 WHERE r.tenant_id = pick.tenant_id AND r.id = pick.id)
			INSERT INTO payments (tenant_id, id, reservation_id, payment_method_id, channel, imoje_method, amount, currency,
				status, imoje_status, idempotency_key, request_hash, created_by, next_check_at)
			SELECT pick.tenant_id, gen_random_uuid(), pick.id, c.payment_method_id, 'BLIK', 'blik', pick.price_amount, 'PLN',
				'PENDING', 'pending', $3 || gen_random_uuid(), '\x00', 'customer', now() + interval '1 day'
			  FROM pick JOIN imoje_credentials c ON c.tenant_id = pick.tenant_id
			RETURNING tenant_id, id, amount`, ids, n, webhookKeyPrefix)
		if err != nil {
			return err
		}
		for rows.Next() {
			var p webhookPayment
			var tid uuid.UUID
			if err := rows.Scan(&tid, &p.PaymentID, &p.Amount); err != nil {
				return err
			}
			p.Tenant = byID[tid]
			out = append(out, p)
		}
		return rows.Err()
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no unpaid future reservation to pay in the seed")
	}
	return out, err
}

// settledNotification is what imoje sends when a BLIK payment settles, signed with the shop key.
func settledNotification(p webhookPayment) (body []byte, header string, err error) {
	now := time.Now().Unix()
	body = fmt.Appendf(nil, `{"transaction":{"id":"%s","type":"sale","status":"settled","source":"api","created":%d,"modified":%d,`+
		`"notificationUrl":"","serviceId":"%s","amount":%d,"currency":"PLN","title":"","orderId":"%s","paymentMethod":"blik","paymentMethodCode":"blik"}}`,
		uuid.New(), now, now, p.Tenant.ShopID, p.Amount, p.PaymentID)
	sig, err := imoje.Sign(body, shopKey(p.Tenant.ID), "sha256")
	if err != nil {
		return nil, "", err
	}
	return body, fmt.Sprintf("merchantid=%s;serviceid=%s;signature=%s;alg=sha256", p.Tenant.MerchantID, p.Tenant.ShopID, sig), nil
}

// webhookClient posts notifications to POST /payment-imoje.
type webhookClient struct {
	url  string
	http *http.Client
}

func (c *webhookClient) send(ctx context.Context, p webhookPayment) error {
	body, header, err := settledNotification(p)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Imoje-Signature", header)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(answer, []byte(`"ok"`)) {
		return fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, answer)
	}
	return nil
}

func webhookWorkload(ctx context.Context, e *env) error {
	n, pool := 16, 20000
	if e.o.Mode == "smoke" {
		n, pool = 4, 3000
	}
	pays, err := preparePayments(ctx, e, pool)
	if err != nil {
		return err
	}
	c := &webhookClient{url: e.slotpay.URL + "/payment-imoje", http: newGQLClient("", n).http}
	var next atomic.Int64
	op := func(ctx context.Context, _, _ int) error {
		i := int(next.Add(1) - 1)
		if i >= len(pays) {
			return errExhausted
		}
		return c.send(ctx, pays[i])
	}
	r := measure(ctx, e, "webhook", "slotpay", e.slotpay, n, op)
	r.Note = settledNote(ctx, e, int(next.Load()), len(pays))
	e.report.add(r)

	// The floor: the same transaction per notification through pgx, on a fresh set of payments
	// (preparing them retires the set slotpay just settled).
	if pays, err = preparePayments(ctx, e, pool); err != nil {
		return err
	}
	floor, err := newFloor(ctx, e.appURL)
	if err != nil {
		return err
	}
	defer floor.Close()
	next.Store(0)
	floorOp := func(ctx context.Context, _, _ int) error {
		i := int(next.Add(1) - 1)
		if i >= len(pays) {
			return errExhausted
		}
		return floor.settle(ctx, pays[i])
	}
	r = measure(ctx, e, "webhook", "floor (pgx)", nil, n, floorOp)
	r.Note = settledNote(ctx, e, int(next.Load()), len(pays))
	e.report.add(r)
	return nil
}

// settledNote checks that every notification settled its payment, counting in the database.
func settledNote(ctx context.Context, e *env, sent, prepared int) string {
	var paid int64
	if err := e.owner.QueryRow(ctx, `SELECT count(*) FROM payments WHERE idempotency_key LIKE $1 || '%' AND status = 'PAID'`, webhookKeyPrefix).Scan(&paid); err != nil {
		return "PAID count failed: " + err.Error()
	}
	note := fmt.Sprintf("%d payments PAID after %d notifications sent (warm-up included)", paid, min(sent, prepared))
	if sent >= prepared {
		note += "; pool exhausted before the step ended"
	}
	return note
}

// settle is the database side of one settled notification, by itself: the transaction slotpay's
// webhook runs for it (services/payments' sale path), in the same two round trips and with the same
// statements, the values fixed instead of taken from a signed body (no HTTP, no signature, no JSON,
// no decision): lock the payment and its reservation, read the shop's row and whether the body is
// new; store the notification, mark the payment and the reservation PAID with a history row,
// publish both events, commit.
func (f *Floor) settle(ctx context.Context, p webhookPayment) error {
	body, _, err := settledNotification(p)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	tenant := p.Tenant.ID
	var payments []models.Payment
	var reservations []uuid.UUID
	read := func(b *pgx.Batch) {
		b.Queue(`SELECT `+database.Columns[models.Payment]()+` FROM payments WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
			tenant, p.PaymentID).Query(database.CollectInto(&payments))
		// The reservation locked with its service's name and its business's zone, as
		// booking.QueueReservationForPayment reads it.
		b.Queue(`SELECT r.id, s.name, t.time_zone FROM reservations r JOIN services s ON s.tenant_id = r.tenant_id AND s.id = r.service_id
			JOIN tenants t ON t.id = r.tenant_id
			WHERE r.tenant_id = $1 AND r.id = (SELECT reservation_id FROM payments WHERE tenant_id = $1 AND id = $2) FOR UPDATE OF r`,
			tenant, p.PaymentID).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id uuid.UUID
				var service, zone string
				if err := rows.Scan(&id, &service, &zone); err != nil {
					return err
				}
				reservations = append(reservations, id)
			}
			return rows.Err()
		})
		b.Queue(`SELECT c.service_key_sealed, c.last_notification_at,
				EXISTS (SELECT 1 FROM imoje_notifications n WHERE n.tenant_id = c.tenant_id AND n.body_sha256 = $4)
			FROM imoje_credentials c WHERE c.tenant_id = $1 AND c.merchant_id = $2 AND c.service_id = $3`,
			tenant, p.Tenant.MerchantID, p.Tenant.ShopID, sum[:]).QueryRow(func(row pgx.Row) error {
			var sealed string
			var last *time.Time
			var seen bool
			return row.Scan(&sealed, &last, &seen)
		})
	}
	decide := func(b, afterCommit *pgx.Batch) error {
		if len(payments) != 1 || len(reservations) != 1 {
			return fmt.Errorf("payment %s or its reservation not found", p.PaymentID)
		}
		now := time.Now()
		reservationID := payments[0].ReservationID
		b.Queue(`INSERT INTO imoje_notifications (tenant_id, id, body, body_sha256, kind, imoje_id, imoje_status, order_id,
				payment_id, outcome, detail, received_at) VALUES ($1, $2, $3, $4, 'sale', $5, 'settled', $6, $7, 'APPLIED', '', $8)`,
			tenant, uuid.New(), string(body), sum[:], uuid.NewString(), p.PaymentID.String(), p.PaymentID, now)
		b.Queue(`UPDATE payments SET imoje_status = 'settled', paid_at = $3, status = 'PAID', updated_at = $3 WHERE tenant_id = $1 AND id = $2`,
			tenant, p.PaymentID, now)
		b.Queue(`UPDATE reservations SET payment_status = 'PAID', updated_at = $3 WHERE tenant_id = $1 AND id = $2`,
			tenant, reservationID, now)
		b.Queue(`INSERT INTO reservation_history (tenant_id, id, reservation_id, from_status, to_status, from_payment_status,
				to_payment_status, actor, reason, created_at) VALUES ($1, $2, $3, 'CONFIRMED', 'CONFIRMED', 'PENDING', 'PAID', 'system', 'payment settled', $4)`,
			tenant, uuid.New(), reservationID, now)
		afterCommit.Queue(`SELECT pg_notify('slotpay_events', $1), pg_notify('slotpay_events', $2)`,
			fmt.Sprintf(`{"k":"RESERVATION_UPDATED","t":"%s","r":"%s"}`, tenant, reservationID),
			fmt.Sprintf(`{"k":"PAYMENT_UPDATED","t":"%s","r":"%s","p":"%s"}`, tenant, reservationID, p.PaymentID))
		return nil
	}
	return bareTwoTrips(ctx, f.pool, tenant, read, decide)
}

// bareTwoTrips is the floor's transaction in bare pgx, what slotpay's database.Tx does for the same
// shape without its bookkeeping: BEGIN, the tenant's setting and the reads in one round trip, then
// decide's writes with COMMIT in a second, followed in that round trip by what decide queued to run
// after the commit (the notifications, as database.Tx.QueueAfterCommit sends them).
func bareTwoTrips(ctx context.Context, pool *pgxpool.Pool, tenant uuid.UUID, read func(*pgx.Batch), decide func(b, afterCommit *pgx.Batch) error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	first := &pgx.Batch{}
	first.Queue("BEGIN")
	first.Queue(`SELECT set_config('app.tenant_id', $1, true)`, tenant.String())
	read(first)
	err = conn.SendBatch(ctx, first).Close()
	second, afterCommit := &pgx.Batch{}, &pgx.Batch{}
	if err == nil {
		err = decide(second, afterCommit)
	}
	if err == nil {
		second.Queue("COMMIT")
		second.QueuedQueries = append(second.QueuedQueries, afterCommit.QueuedQueries...)
		err = conn.SendBatch(ctx, second).Close()
	}
	if err != nil && conn.Conn().PgConn().TxStatus() != 'I' {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
	}
	return err
}
