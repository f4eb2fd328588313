-- Rate limits shared by every instance (services/ratelimit): one row per bucket (a rule and the
-- hash of what it counts: an IP, an e-mail, a pair), holding GCRA's theoretical arrival time. A row
-- whose tat has passed is a full allowance, the same as no row; instances delete those periodically.
-- Not tenant-owned: log-in and public booking are limited before any tenant is known.

-- +goose Up
CREATE TABLE rate_limits (
  key text PRIMARY KEY,
  tat timestamptz NOT NULL
);
CREATE INDEX rate_limits_tat_idx ON rate_limits (tat);

-- +goose Down
DROP TABLE rate_limits;
