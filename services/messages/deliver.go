package messages

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/slotpay/slotpay/services/database"
)

// row is a message as stored.
type row struct {
	ID            uuid.UUID
	TenantID      uuid.UUID
	Kind          Kind
	Channel       ChannelName
	Audience      Audience
	Recipient     string
	RecipientName *string
	Locale        string
	ReservationID *uuid.UUID
	PaymentID     *uuid.UUID
	Data          map[string]string
	Status        Status
	Attempts      int
	LastError     *string
	Subject       *string
	ProviderRef   *string
	ScheduledAt   time.Time
	EnqueueSeq    int
	SendingAt     *time.Time
	SentAt        *time.Time
	DedupeKey     *string
	ResendOf      *uuid.UUID
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

const rowColumns = `id, tenant_id, kind, channel, audience, recipient, recipient_name, locale, reservation_id, payment_id, data,
	status, attempts, last_error, subject, provider_ref, scheduled_at, enqueue_seq, sending_at, sent_at, dedupe_key, resend_of,
	created_at, updated_at`

func scanRow(r pgx.Row, m *row) error {
	var data []byte
	if err := r.Scan(&m.ID, &m.TenantID, &m.Kind, &m.Channel, &m.Audience, &m.Recipient, &m.RecipientName, &m.Locale,
		&m.ReservationID, &m.PaymentID, &data, &m.Status, &m.Attempts, &m.LastError, &m.Subject, &m.ProviderRef,
		&m.ScheduledAt, &m.EnqueueSeq, &m.SendingAt, &m.SentAt, &m.DedupeKey, &m.ResendOf, &m.CreatedAt, &m.UpdatedAt); err != nil {
		return err
	}
	return json.Unmarshal(data, &m.Data)
}

// errStale: the job is of an earlier hand-over of a message handed over again.
var errStale = errors.New("stale job")

// deliver runs one attempt of a job: see the package doc.
func (s *Service) deliver(ctx context.Context, a jobArgs, attempt int, final bool) error {
	var (
		d    *Delivery
		ch   Channel
		done bool
	)
	now := s.o.Now().UTC()
	err := s.data.InTenant(ctx, a.TenantID, func(tx *database.Tx) error {
		d, ch, done = nil, nil, false
		var m row
		var found bool
		tx.Queue(`SELECT `+rowColumns+` FROM messages WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, a.MessageID).
			QueryRow(func(r pgx.Row) error {
				err := scanRow(r, &m)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				found = err == nil
				return err
			})
		if err := tx.Send(); err != nil {
			return err
		}
		switch {
		case !found || m.EnqueueSeq != a.Seq:
			done = true // deleted with its business, or a stale job of a deferred message
			return nil
		case m.Status == Sending:
			// An earlier run handed it over and stopped before recording the result: it may have
			// gone out. Never again by itself; the log shows it and staff may resend.
			done = true
			return setStatus(tx, m.ID, Unknown, "an earlier attempt stopped before its result was recorded: the message may or may not have been delivered", now)
		case m.Status != Queued && m.Status != Failed:
			done = true
			return nil
		}
		ch = s.channels[m.Channel]
		if ch == nil {
			return fmt.Errorf("no %s channel is configured", m.Channel)
		}
		tmpl, ok := Lookup(m.Kind, m.Channel)
		if !ok {
			done = true
			return setStatus(tx, m.ID, Dead, fmt.Sprintf("no %s template of kind %s", m.Channel, m.Kind), now)
		}
		facts, env, err := s.loadFacts(tx, &m, now)
		if err != nil {
			return err
		}
		if tmpl.Wanted != nil && !tmpl.Wanted(facts) {
			done = true
			return setStatus(tx, m.ID, Skipped, "", now)
		}
		wording, err := wordingOf(tx, tmpl, m.Locale)
		if err != nil {
			return err
		}
		out := Render(wording, facts)
		d = &Delivery{ID: m.ID, TenantID: m.TenantID, Kind: m.Kind, Channel: m.Channel, Audience: m.Audience,
			Recipient: m.Recipient, Locale: m.Locale, ReservationID: m.ReservationID, PaymentID: m.PaymentID,
			Attempt: attempt, From: env.from, FromName: env.fromName, ReplyTo: env.replyTo,
			Subject: out.Subject, Text: out.Text, HTML: out.HTML, Facts: facts}
		if m.RecipientName != nil {
			d.RecipientName = *m.RecipientName
		}
		if m.Channel == Email {
			for _, fn := range attachmentsOf(m.Kind) {
				att, err := fn(ctx, d)
				if err != nil {
					return fmt.Errorf("attachments: %w", err)
				}
				d.Attachments = append(d.Attachments, att...)
			}
		}
		if def, ok := ch.(Deferrer); ok {
			nb, err := def.NotBefore(ctx, d, now)
			if errors.Is(err, ErrNotWanted) {
				done = true
				return setStatus(tx, m.ID, Skipped, err.Error(), now)
			}
			if err != nil {
				return err
			}
			if nb.After(now) {
				done = true
				tx.Queue(`UPDATE messages SET scheduled_at = $3, enqueued_at = NULL, updated_at = $4
					WHERE tenant_id = $1 AND id = $2`, m.ID, nb.UTC(), now)
				return nil
			}
		}
		tx.Queue(`UPDATE messages SET status = 'SENDING', attempts = attempts + 1, sending_at = $3, subject = $4, updated_at = $3
			WHERE tenant_id = $1 AND id = $2`, m.ID, now, nullable(truncate(d.Subject, 998)))
		return nil
	})
	if err != nil {
		if ctx.Err() == nil {
			s.recordFailure(ctx, a, err, final, false)
		}
		return err
	}
	if done {
		return nil
	}
	ref, derr := ch.Deliver(ctx, d)
	return s.recordResult(ctx, a, ref, derr, final)
}

// recordResult writes an attempt's outcome and returns what River should do next.
func (s *Service) recordResult(ctx context.Context, a jobArgs, ref string, derr error, final bool) error {
	now := s.o.Now().UTC()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if derr == nil {
		err := s.data.InTenant(rctx, a.TenantID, func(tx *database.Tx) error {
			tx.Queue(`UPDATE messages SET status = 'SENT', provider_ref = $3, sent_at = $4, last_error = NULL, updated_at = $4,
					data = CASE WHEN sensitive THEN '{}'::jsonb ELSE data END
				WHERE tenant_id = $1 AND id = $2 AND status = 'SENDING'`, a.MessageID, nullable(truncate(ref, 998)), now)
			return nil
		})
		if err != nil {
			// Sent, but not recorded: the message stays SENDING and the next run records UNKNOWN
			// rather than sending again.
			return fmt.Errorf("record sent message %s: %w", a.MessageID, err)
		}
		return nil
	}
	if errors.Is(derr, ErrNotWanted) {
		_ = s.data.InTenant(rctx, a.TenantID, func(tx *database.Tx) error {
			return setStatus(tx, a.MessageID, Skipped, derr.Error(), now)
		})
		return nil
	}
	if errors.Is(derr, ErrOutcomeUnknown) {
		_ = s.data.InTenant(rctx, a.TenantID, func(tx *database.Tx) error {
			return setStatus(tx, a.MessageID, Unknown, derr.Error(), now)
		})
		return nil
	}
	permanent := errors.Is(derr, ErrPermanent)
	s.recordFailure(rctx, a, derr, final || permanent, true)
	if permanent {
		return river.JobCancel(derr)
	}
	return derr
}

// recordFailure marks a message FAILED (to be retried) or DEAD after a failed attempt. sending says
// the attempt had marked it SENDING (else it failed before: it is QUEUED or FAILED, and the attempt
// is counted here).
func (s *Service) recordFailure(ctx context.Context, a jobArgs, cause error, final, sending bool) {
	now := s.o.Now().UTC()
	status := Failed
	if final {
		status = Dead
	}
	from, count := "'SENDING'", ""
	if !sending {
		from, count = "'QUEUED', 'FAILED'", ", attempts = attempts + 1"
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := s.data.InTenant(rctx, a.TenantID, func(tx *database.Tx) error {
		tx.Queue(`UPDATE messages SET status = $3, last_error = $4, updated_at = $5, `+wipeSensitive+count+`
			WHERE tenant_id = $1 AND id = $2 AND enqueue_seq = $6 AND status IN (`+from+`)`,
			a.MessageID, string(status), truncate(cause.Error(), 2000), now, a.Seq)
		return nil
	})
	if err != nil {
		s.o.Log.Warn("record message failure", "message_id", a.MessageID.String(), "error", err.Error())
	}
	s.o.Log.Warn("message delivery failed", "message_id", a.MessageID.String(), "status", string(status), "error", cause.Error())
}

// wipeSensitive empties a sensitive message's data when $3, its new status, is final.
const wipeSensitive = `data = CASE WHEN sensitive AND $3 IN ('SENT', 'DEAD', 'UNKNOWN', 'SKIPPED', 'CANCELLED') THEN '{}'::jsonb ELSE data END`

func setStatus(tx *database.Tx, id uuid.UUID, st Status, lastError string, now time.Time) error {
	tx.Queue(`UPDATE messages SET status = $3, last_error = $4, updated_at = $5, `+wipeSensitive+` WHERE tenant_id = $1 AND id = $2`,
		id, string(st), nullable(truncate(lastError, 2000)), now)
	return nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// wordingOf is the business's own wording of t in locale, else the built-in one.
func wordingOf(tx *database.Tx, t Template, locale string) (Wording, error) {
	w := Wording{Subject: t.Subject[locale], Body: t.Body[locale]}
	tx.Queue(`SELECT subject, body FROM message_templates WHERE tenant_id = $1 AND kind = $2 AND channel = $3 AND locale = $4`,
		string(t.Kind), string(t.Channel), locale).QueryRow(func(r pgx.Row) error {
		var subject *string
		var body string
		err := r.Scan(&subject, &body)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		w.Body = body
		if subject != nil {
			w.Subject = *subject
		}
		return nil
	})
	return w, tx.Send()
}

// sender is who a business's messages come from.
type sender struct{ from, fromName, replyTo string }
