-- Payments: per-tenant payment methods, imoje credentials (secrets sealed with AES-256-GCM by the
-- application), payments, refunds and the raw imoje notifications.
--
-- Rules the database itself keeps:
--   * one active payment per reservation (partial unique index on CREATED/PENDING/PAID);
--   * one idempotency key per tenant;
--   * an imoje shop (merchant id, shop id) belongs to at most one tenant (global unique index);
--   * a notification body is stored once per tenant (duplicates are recognised by their hash);
--   * refunded_amount never exceeds the amount.

-- +goose Up
CREATE TABLE payment_methods (
  tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('IMOJE', 'ON_SITE', 'BANK_TRANSFER')),
  display_name    text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
  description     text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
  enabled         boolean NOT NULL DEFAULT true,
  sort_order      integer NOT NULL DEFAULT 0,
  is_default      boolean NOT NULL DEFAULT false,
  -- BANK_TRANSFER only: where to send money and the transfer title ({reservation}, {customer}, {date}).
  account_holder  text,
  account_number  text,
  bank_name       text,
  title_template  text,
  archived_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CHECK (kind <> 'BANK_TRANSFER' OR (account_holder IS NOT NULL AND account_number IS NOT NULL AND title_template IS NOT NULL))
);
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (tenant_id) WHERE is_default AND archived_at IS NULL;
CREATE UNIQUE INDEX payment_methods_one_imoje ON payment_methods (tenant_id) WHERE kind = 'IMOJE' AND archived_at IS NULL;

CREATE TABLE imoje_credentials (
  tenant_id             uuid NOT NULL,
  payment_method_id     uuid NOT NULL,
  merchant_id           text NOT NULL CHECK (merchant_id ~ '^[a-z0-9]{4,64}$'),
  service_id            uuid NOT NULL,
  environment           text NOT NULL CHECK (environment IN ('PRODUCTION', 'SANDBOX', 'CUSTOM')),
  api_base_url          text NOT NULL,
  token_sealed          text NOT NULL,
  token_hint            text NOT NULL,
  service_key_sealed    text NOT NULL,
  service_key_hint      text NOT NULL,
  -- What the tenant offers (BLIK, PBL, PAY_LATER, CARD) and what the shop has (GET service).
  offered_channels      jsonb NOT NULL,
  shop_channels         jsonb NOT NULL,
  verified_at           timestamptz NOT NULL,
  last_notification_at  timestamptz,
  -- imoje asks for 5 s between refunds of one merchant: the next refund may start at this time.
  next_refund_at        timestamptz NOT NULL DEFAULT '-infinity',
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, payment_method_id),
  FOREIGN KEY (tenant_id, payment_method_id) REFERENCES payment_methods (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX imoje_credentials_shop_key ON imoje_credentials (merchant_id, service_id);

CREATE TABLE payments (
  tenant_id             uuid NOT NULL,
  -- Also imoje's orderId.
  id                    uuid NOT NULL,
  reservation_id        uuid NOT NULL,
  payment_method_id     uuid NOT NULL,
  channel               text NOT NULL CHECK (channel IN ('BLIK', 'PBL', 'PAY_LATER', 'CARD', 'CHOOSE')),
  imoje_method          text,
  imoje_method_code     text,
  amount                bigint NOT NULL CHECK (amount > 0 AND amount <= 999999999),
  currency              char(3) NOT NULL,
  status                text NOT NULL CHECK (status IN ('CREATED', 'PENDING', 'PAID', 'FAILED', 'CANCELLED')),
  refunded_amount       bigint NOT NULL DEFAULT 0,
  imoje_status          text,
  imoje_transaction_id  uuid,
  imoje_payment_id      uuid,
  redirect_url          text,
  failure_code          text,
  failure_message       text,
  idempotency_key       text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  request_hash          bytea NOT NULL,
  created_by            text NOT NULL,
  paid_at               timestamptz,
  next_check_at         timestamptz,
  check_attempts        integer NOT NULL DEFAULT 0,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, reservation_id) REFERENCES reservations (tenant_id, id),
  FOREIGN KEY (tenant_id, payment_method_id) REFERENCES payment_methods (tenant_id, id),
  CHECK (refunded_amount >= 0 AND refunded_amount <= amount)
);
CREATE UNIQUE INDEX payments_one_active ON payments (tenant_id, reservation_id) WHERE status IN ('CREATED', 'PENDING', 'PAID');
CREATE UNIQUE INDEX payments_idempotency_key ON payments (tenant_id, idempotency_key);
CREATE UNIQUE INDEX payments_imoje_transaction ON payments (tenant_id, imoje_transaction_id) WHERE imoje_transaction_id IS NOT NULL;
CREATE INDEX payments_reservation_idx ON payments (tenant_id, reservation_id, created_at);
CREATE INDEX payments_to_check_idx ON payments (next_check_at) WHERE status IN ('CREATED', 'PENDING');

CREATE TABLE refunds (
  tenant_id        uuid NOT NULL,
  id               uuid NOT NULL,
  payment_id       uuid NOT NULL,
  amount           bigint NOT NULL CHECK (amount > 0),
  status           text NOT NULL CHECK (status IN ('REQUESTED', 'PENDING', 'SETTLED', 'FAILED')),
  imoje_refund_id  uuid,
  reason           text NOT NULL DEFAULT '',
  failure_message  text,
  requested_by     uuid,
  not_before       timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id)
);
CREATE UNIQUE INDEX refunds_imoje_id ON refunds (tenant_id, imoje_refund_id) WHERE imoje_refund_id IS NOT NULL;
CREATE INDEX refunds_payment_idx ON refunds (tenant_id, payment_id);

-- Every verified notification, byte for byte, for audit and for the operator (e.g. unknown orders).
CREATE TABLE imoje_notifications (
  tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id             uuid NOT NULL,
  body           text NOT NULL,
  body_sha256    bytea NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('sale', 'refund', 'payment')),
  imoje_id       text NOT NULL,
  imoje_status   text NOT NULL,
  order_id       text NOT NULL DEFAULT '',
  payment_id     uuid,
  outcome        text NOT NULL CHECK (outcome IN ('APPLIED', 'NO_CHANGE', 'STALE', 'UNKNOWN_ORDER', 'MISMATCH')),
  detail         text NOT NULL DEFAULT '',
  received_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, body_sha256)
);
CREATE INDEX imoje_notifications_payment_idx ON imoje_notifications (tenant_id, payment_id, received_at);

ALTER TABLE payment_methods ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_methods FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON payment_methods
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE imoje_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE imoje_credentials FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON imoje_credentials
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON payments
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE refunds ENABLE ROW LEVEL SECURITY;
ALTER TABLE refunds FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON refunds
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
ALTER TABLE imoje_notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE imoje_notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON imoje_notifications
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

-- The webhook knows only the header's merchant id and shop id until it has found the tenant.
CREATE FUNCTION imoje_shop_owner(p_merchant text, p_service uuid)
  RETURNS TABLE (tenant_id uuid, payment_method_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$ SELECT c.tenant_id, c.payment_method_id FROM imoje_credentials c
        WHERE c.merchant_id = p_merchant AND c.service_id = p_service $$;

-- Reconciliation claims payments still open after a while, across tenants, so that several
-- instances never check the same payment at once (SKIP LOCKED) and each is re-checked with backoff.
CREATE FUNCTION claim_payments_to_reconcile(p_now timestamptz, p_min_age interval, p_limit integer)
  RETURNS TABLE (tenant_id uuid, payment_id uuid)
  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    UPDATE payments p
       SET next_check_at = p_now + least(interval '1 hour', interval '1 minute' * power(2, p.check_attempts)),
           check_attempts = p.check_attempts + 1
     WHERE (p.tenant_id, p.id) IN (
       SELECT q.tenant_id, q.id FROM payments q
        WHERE q.status IN ('CREATED', 'PENDING')
          AND q.created_at <= p_now - p_min_age
          AND coalesce(q.next_check_at, '-infinity') <= p_now
        ORDER BY q.next_check_at NULLS FIRST
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED)
    RETURNING p.tenant_id, p.id
  $$;

REVOKE ALL ON FUNCTION imoje_shop_owner(text, uuid), claim_payments_to_reconcile(timestamptz, interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION imoje_shop_owner(text, uuid), claim_payments_to_reconcile(timestamptz, interval, integer) TO slotpay_app;

-- +goose Down
DROP FUNCTION claim_payments_to_reconcile(timestamptz, interval, integer), imoje_shop_owner(text, uuid);
DROP TABLE imoje_notifications, refunds, payments, imoje_credentials, payment_methods;
