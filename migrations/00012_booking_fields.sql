-- Custom booking fields: a business's own questions in the booking form (services/bookingfields).
-- A definition belongs to one service, or to the whole business (service_id NULL: asked for every
-- service). Definitions are archived, never deleted, and an answer keeps a snapshot of what was
-- asked (labels, type, the chosen options' labels), so changing or archiving a definition never
-- rewrites a past answer.
--
-- Texts in several languages are jsonb objects {"pl": "...", "en": "..."}; choices are a jsonb
-- array [{"key": "...", "label": {"pl": "...", "en": "..."}}]. The application validates their shape.

-- +goose Up
CREATE TABLE booking_fields (
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id           uuid NOT NULL,
  service_id   uuid,
  key          text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
  type         text NOT NULL CHECK (type IN ('TEXT', 'NUMBER', 'SINGLE_CHOICE', 'MULTI_CHOICE', 'CHECKBOX', 'DATE')),
  required     boolean NOT NULL DEFAULT false,
  position     integer NOT NULL DEFAULT 0 CHECK (position BETWEEN 0 AND 10000),
  label        jsonb NOT NULL CHECK (jsonb_typeof(label) = 'object' AND label <> '{}'),
  help         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(help) = 'object'),
  choices      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(choices) = 'array'),
  max_length   integer CHECK (max_length BETWEEN 1 AND 2000),
  min_number   numeric,
  max_number   numeric,
  archived_at  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id),
  CHECK (min_number IS NULL OR max_number IS NULL OR min_number <= max_number)
);
-- A key names one active question of a business (business-wide or of any one service), so an
-- answer's key is never ambiguous; an archived definition frees its key.
CREATE UNIQUE INDEX booking_fields_key ON booking_fields (tenant_id, key) WHERE archived_at IS NULL;
CREATE INDEX booking_fields_service_idx ON booking_fields (tenant_id, service_id, position);

CREATE TABLE reservation_answers (
  tenant_id      uuid NOT NULL,
  reservation_id uuid NOT NULL,
  field_id       uuid NOT NULL,
  key            text NOT NULL,
  type           text NOT NULL,
  position       integer NOT NULL,
  -- The definition's label as it was when answered.
  label          jsonb NOT NULL,
  -- TEXT, NUMBER, DATE and CHECKBOX ('true'/'false') answers; NULL for choices.
  value          text CHECK (length(value) <= 2000),
  -- SINGLE_CHOICE and MULTI_CHOICE: the chosen options' keys and their labels when answered.
  choice_keys    text[] NOT NULL DEFAULT '{}',
  choice_labels  jsonb NOT NULL DEFAULT '[]',
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, reservation_id, key),
  FOREIGN KEY (tenant_id, reservation_id) REFERENCES reservations (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, field_id) REFERENCES booking_fields (tenant_id, id)
);

ALTER TABLE booking_fields ENABLE ROW LEVEL SECURITY;
ALTER TABLE booking_fields FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON booking_fields
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

ALTER TABLE reservation_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE reservation_answers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reservation_answers
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

-- +goose Down
DROP TABLE reservation_answers, booking_fields;
