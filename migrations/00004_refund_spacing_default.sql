-- next_refund_at defaulted to '-infinity', which gorm cannot read into a time.Time: a credentials
-- row written without the column (by SQL, not by slotpay) made every notification for that shop
-- fail. A finite default means "a refund may start now".

-- +goose Up
ALTER TABLE imoje_credentials ALTER COLUMN next_refund_at SET DEFAULT now();
UPDATE imoje_credentials SET next_refund_at = created_at WHERE next_refund_at = '-infinity';

-- +goose Down
ALTER TABLE imoje_credentials ALTER COLUMN next_refund_at SET DEFAULT '-infinity';
