-- Keyset indexes for the connections' orderings (services/paging): each ends in the row's id, the
-- tie-breaker of every cursor, so a page is an index range scan whichever way it is read.

-- +goose Up
CREATE INDEX reservations_created_idx ON reservations (tenant_id, created_at, id);
CREATE INDEX payments_created_idx ON payments (tenant_id, created_at, id);
CREATE INDEX refunds_created_idx ON refunds (tenant_id, created_at, id);
CREATE INDEX imoje_notifications_received_idx ON imoje_notifications (tenant_id, received_at, id);

-- +goose Down
DROP INDEX imoje_notifications_received_idx;
DROP INDEX refunds_created_idx;
DROP INDEX payments_created_idx;
DROP INDEX reservations_created_idx;
