-- Messages: the transactional outbox of e-mails and SMS, and their delivery log.
--
-- A change that causes a message (a booking, a payment, a cancellation…) inserts its row here in the
-- change's own transaction (services/messages: Record), so a rolled-back change sends nothing and a
-- committed one cannot be forgotten. A relay on every instance moves due rows into River jobs
-- (messages_claim_due, in one transaction with River's insert: each row becomes exactly one job per
-- enqueue_seq); the job's worker marks the row SENDING in a committed statement before it hands the
-- message to its channel, and SENT, FAILED, DEAD or UNKNOWN after. A job that finds its row SENDING
-- (an earlier run stopped between the hand-over and its result) never sends again: the outcome is
-- UNKNOWN and staff may resend by hand (a new row, resend_of the old one).
--
-- The rows are the delivery log too: one row per message with channel, recipient, kind, status,
-- attempts and last error, read per business (row-level security like every tenant table).

-- +goose Up
CREATE TABLE messages (
  tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id             uuid NOT NULL,
  -- What the message is (BOOKING_CONFIRMATION, REMINDER, …; services/messages's kinds): it names the
  -- template.
  kind           text NOT NULL CHECK (kind ~ '^[A-Z][A-Z0-9_]{1,63}$'),
  -- EMAIL, SMS: which channel delivers it.
  channel        text NOT NULL CHECK (channel ~ '^[A-Z][A-Z0-9_]{1,31}$'),
  -- Who it is for: the CUSTOMER of a reservation, a STAFF member, the business's OWNER(s).
  audience       text NOT NULL CHECK (audience IN ('CUSTOMER', 'STAFF', 'OWNER')),
  recipient      text NOT NULL CHECK (length(recipient) BETWEEN 1 AND 320),
  recipient_name text CHECK (length(recipient_name) <= 200),
  -- pl or en: the customer's locale, else the business's.
  locale         text NOT NULL CHECK (locale IN ('pl', 'en')),
  reservation_id uuid,
  payment_id     uuid,
  -- What the template needs beyond the reservation and payment it reads at delivery (a refund
  -- amount, a URL): small, never a secret.
  data           jsonb NOT NULL DEFAULT '{}' CHECK (pg_column_size(data) <= 8192),
  -- Sensitive: data holds a secret (a sign-in link): it is emptied once the message is SENT, DEAD or
  -- UNKNOWN, and the message cannot be resent.
  sensitive      boolean NOT NULL DEFAULT false,
  status         text NOT NULL DEFAULT 'QUEUED'
                 CHECK (status IN ('QUEUED', 'SENDING', 'SENT', 'FAILED', 'DEAD', 'UNKNOWN', 'CANCELLED', 'SKIPPED')),
  attempts       integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error     text CHECK (length(last_error) <= 2000),
  -- The subject as sent (e-mail), for the log.
  subject        text CHECK (length(subject) <= 998),
  -- The provider's id of the message (the e-mail's Message-ID, the SMS provider's id).
  provider_ref   text CHECK (length(provider_ref) <= 998),
  -- Not before: now for most, the reminder's moment for reminders, later when a channel defers it
  -- (SMS quiet hours).
  scheduled_at   timestamptz NOT NULL,
  -- Set when the relay hands the row to River; enqueue_seq counts hand-overs (a deferred message is
  -- handed over again), and a job's unique key is (message, enqueue_seq).
  enqueued_at    timestamptz,
  enqueue_seq    integer NOT NULL DEFAULT 0,
  sending_at     timestamptz,
  sent_at        timestamptz,
  -- At most one live message per key in a business (a reminder of a visit at its offset, one warning
  -- per incident); a CANCELLED one frees its key.
  dedupe_key     text CHECK (length(dedupe_key) <= 300),
  resend_of      uuid,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, resend_of) REFERENCES messages (tenant_id, id) ON DELETE SET NULL (resend_of)
);
CREATE UNIQUE INDEX messages_dedupe_key ON messages (tenant_id, dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status <> 'CANCELLED';
-- The relay's work: queued rows not handed to River yet, by time.
CREATE INDEX messages_due_idx ON messages (scheduled_at) WHERE status = 'QUEUED' AND enqueued_at IS NULL;
-- The delivery log's order (newest first, then id) and its keyset.
CREATE INDEX messages_log_idx ON messages (tenant_id, created_at DESC, id DESC);
CREATE INDEX messages_reservation_idx ON messages (tenant_id, reservation_id) WHERE reservation_id IS NOT NULL;

ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE messages FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON messages
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

-- A business's own wording of a template (subject and body with placeholders), per kind, channel
-- and language; without a row the built-in text is used.
CREATE TABLE message_templates (
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  kind       text NOT NULL CHECK (kind ~ '^[A-Z][A-Z0-9_]{1,63}$'),
  channel    text NOT NULL CHECK (channel ~ '^[A-Z][A-Z0-9_]{1,31}$'),
  locale     text NOT NULL CHECK (locale IN ('pl', 'en')),
  subject    text CHECK (length(subject) BETWEEN 1 AND 300),
  body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, kind, channel, locale)
);
ALTER TABLE message_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE message_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON message_templates
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

-- A business's message settings: the sender of its e-mails (the platform's address when NULL) and
-- the reminders' offsets before a visit, in minutes (24 h by default; empty: no reminders).
ALTER TABLE tenants
  ADD COLUMN mail_from_name    text CHECK (length(mail_from_name) BETWEEN 1 AND 200),
  ADD COLUMN mail_from_address text CHECK (length(mail_from_address) BETWEEN 3 AND 254),
  ADD COLUMN reminder_offsets_minutes integer[] NOT NULL DEFAULT '{1440}'
    CHECK (cardinality(reminder_offsets_minutes) <= 5 AND 1 <= ALL (reminder_offsets_minutes)
           AND 43200 >= ALL (reminder_offsets_minutes));

-- The relay's claim, across all tenants (SECURITY DEFINER: the relay has no tenant scope): queued
-- rows due by p_now and not handed over yet are marked handed over and returned, SKIP LOCKED so
-- that instances claiming at once share the rows. It runs in the transaction that inserts the River
-- jobs, so a row is handed over exactly when its job exists.
-- +goose StatementBegin
CREATE FUNCTION messages_claim_due(p_now timestamptz, p_limit integer)
  RETURNS TABLE (tenant_id uuid, message_id uuid, enqueue_seq integer)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH due AS (
      SELECT d.tenant_id, d.id FROM messages d
       WHERE d.status = 'QUEUED' AND d.enqueued_at IS NULL AND d.scheduled_at <= p_now
       ORDER BY d.scheduled_at
       LIMIT p_limit
       FOR UPDATE SKIP LOCKED)
    UPDATE messages m SET enqueued_at = p_now, enqueue_seq = m.enqueue_seq + 1
      FROM due WHERE m.tenant_id = due.tenant_id AND m.id = due.id
    RETURNING m.tenant_id, m.id, m.enqueue_seq
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION messages_claim_due(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION messages_claim_due(timestamptz, integer) TO slotpay_app;

-- The imoje payment methods whose payments stay pending with no notification (services/payments
-- Setup's rule: a payment PENDING or UNKNOWN since before p_before, created after the method's last
-- notification), across all tenants, for the owner's warning; the incident is the method and its
-- last notification.
-- +goose StatementBegin
CREATE FUNCTION messages_silent_imoje(p_before timestamptz, p_limit integer)
  RETURNS TABLE (tenant_id uuid, payment_method_id uuid, last_notification_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.tenant_id, c.payment_method_id, c.last_notification_at
      FROM imoje_credentials c
     WHERE EXISTS (SELECT 1 FROM payments p
                    WHERE p.tenant_id = c.tenant_id AND p.payment_method_id = c.payment_method_id
                      AND p.status IN ('PENDING', 'UNKNOWN') AND p.created_at <= p_before
                      AND (c.last_notification_at IS NULL OR p.created_at > c.last_notification_at))
     LIMIT p_limit
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION messages_silent_imoje(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION messages_silent_imoje(timestamptz, integer) TO slotpay_app;

-- +goose Down
DROP FUNCTION messages_silent_imoje(timestamptz, integer);
DROP FUNCTION messages_claim_due(timestamptz, integer);
ALTER TABLE tenants DROP COLUMN reminder_offsets_minutes, DROP COLUMN mail_from_address, DROP COLUMN mail_from_name;
DROP TABLE message_templates;
DROP TABLE messages;
