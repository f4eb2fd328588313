// Package bookingfields holds a business's own questions in the booking form: their definitions
// (per service, or business-wide for every service; typed, ordered, translated, archived rather
// than deleted) and the validation of a booking's answers (Validate, pure). The booking stores the
// answers in its own transaction (services/booking) with a snapshot of each field, so changing a
// definition never rewrites a past answer.
package bookingfields

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/database"
)

// Errors of this domain.
var (
	ErrFieldNotFound   = apperr.New(apperr.NotFound, "booking field not found")
	ErrServiceNotFound = apperr.New(apperr.NotFound, "service not found")
	ErrKeyTaken        = apperr.New(apperr.Conflict, "another active booking field of this business has this key")
)

// Service manages booking field definitions.
type Service struct {
	data *database.DB
	now  func() time.Time
}

// NewService builds the service; now is the clock (time.Now when nil).
func NewService(data *database.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{data: data, now: now}
}

// Supported locales of labels and help texts.
var locales = []string{"pl", "en"}

// Limits of a definition.
const (
	MaxLabelLength = 200
	MaxHelpLength  = 1000
	MaxChoices     = 50
	MaxTextLimit   = 2000
	MaxPosition    = 10000
)

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Input creates or changes a definition; on update nil fields stay as they are. Key and ServiceID
// are fixed at creation (an answer names its field by key).
type Input struct {
	ServiceID *uuid.UUID
	Key       *string
	Type      *models.BookingFieldType
	Required  *bool
	Position  *int
	Label     models.Texts
	Help      models.Texts
	Choices   *[]models.Choice
	MaxLength *int
	MinNumber *float64
	MaxNumber *float64
	// Clear* remove a limit on update.
	ClearLimits bool
}

// apply validates in onto f, reporting every problem at once.
func (in *Input) apply(f *models.BookingField, create bool) error {
	var problems apperr.Problems
	if create {
		key := strings.TrimSpace(deref(in.Key))
		switch {
		case key == "":
			problems.Add(apperr.Input("key", apperr.Required, "key is required"))
		case !keyPattern.MatchString(key):
			problems.Add(apperr.Input("key", apperr.InvalidFormat, "key must be 1 to 40 lower-case letters, digits or _, starting with a letter"))
		}
		f.Key, f.ServiceID = key, in.ServiceID
		if in.Type == nil {
			problems.Add(apperr.Input("type", apperr.Required, "type is required"))
		}
		if in.Label == nil {
			problems.Add(apperr.Input("label", apperr.Required, "a label in Polish or English is required"))
		}
	} else if in.Key != nil && strings.TrimSpace(*in.Key) != f.Key {
		problems.Add(apperr.Input("key", apperr.NotAllowed, "a booking field's key cannot change; archive it and add another"))
	}
	if in.Type != nil {
		if !in.Type.Valid() {
			problems.Add(apperr.Input("type", apperr.NotAllowed, "unknown booking field type"))
		}
		f.Type = *in.Type
	}
	if in.Required != nil {
		f.Required = *in.Required
	}
	if in.Position != nil {
		if *in.Position < 0 || *in.Position > MaxPosition {
			problems.Add(apperr.Input("position", apperr.OutOfRange, fmt.Sprintf("must be between 0 and %d", MaxPosition)).With("min", 0).With("max", MaxPosition))
		}
		f.Position = *in.Position
	}
	if in.Label != nil {
		label, err := texts(in.Label, "label", MaxLabelLength, true)
		problems.Add(err)
		f.Label = label
	}
	if in.Help != nil {
		help, err := texts(in.Help, "help", MaxHelpLength, false)
		problems.Add(err)
		f.Help = help
	}
	if in.Choices != nil {
		choices, err := validChoices(*in.Choices)
		problems.Add(err)
		f.Choices = choices
	}
	if in.ClearLimits {
		f.MaxLength, f.MinNumber, f.MaxNumber = nil, nil, nil
	}
	if in.MaxLength != nil {
		f.MaxLength = in.MaxLength
	}
	if in.MinNumber != nil {
		f.MinNumber = in.MinNumber
	}
	if in.MaxNumber != nil {
		f.MaxNumber = in.MaxNumber
	}
	if f.Help == nil {
		f.Help = models.Texts{}
	}
	if f.Choices == nil {
		f.Choices = []models.Choice{}
	}
	problems.Add(consistent(f))
	return problems.Err()
}

// consistent checks what depends on the type: choices only (and at least one) for choice fields,
// a length limit only for text, a range only for numbers.
func consistent(f *models.BookingField) error {
	var problems apperr.Problems
	choice := f.Type == models.FieldSingleChoice || f.Type == models.FieldMultiChoice
	switch {
	case choice && len(f.Choices) == 0:
		problems.Add(apperr.Input("choices", apperr.Required, "a choice field needs at least one option"))
	case !choice && len(f.Choices) > 0:
		problems.Add(apperr.Input("choices", apperr.Inconsistent, "only choice fields have options"))
	}
	if f.MaxLength != nil {
		switch {
		case f.Type != models.FieldText:
			problems.Add(apperr.Input("maxLength", apperr.Inconsistent, "only text fields have a maximum length"))
		case *f.MaxLength < 1 || *f.MaxLength > MaxTextLimit:
			problems.Add(apperr.Input("maxLength", apperr.OutOfRange, fmt.Sprintf("must be between 1 and %d", MaxTextLimit)).With("min", 1).With("max", MaxTextLimit))
		}
	}
	if (f.MinNumber != nil || f.MaxNumber != nil) && f.Type != models.FieldNumber {
		problems.Add(apperr.Input("min", apperr.Inconsistent, "only number fields have a range"))
	}
	if f.MinNumber != nil && f.MaxNumber != nil && *f.MinNumber > *f.MaxNumber {
		problems.Add(apperr.Input("max", apperr.Inconsistent, "max must not be below min"))
	}
	return problems.Err()
}

// texts checks a translated text: only supported locales, each at most limit characters; required
// means at least one of them is given. Blank translations are dropped.
func texts(in models.Texts, field string, limit int, required bool) (models.Texts, error) {
	var problems apperr.Problems
	out := models.Texts{}
	for _, l := range locales {
		s := strings.TrimSpace(in[l])
		if s == "" {
			continue
		}
		if utf8.RuneCountInString(s) > limit {
			problems.Add(apperr.Input(field+"."+l, apperr.TooLong, fmt.Sprintf("must be at most %d characters", limit)).With("max", limit))
		}
		out[l] = s
	}
	for l := range in {
		if l != "pl" && l != "en" {
			problems.Add(apperr.Input(field, apperr.NotAllowed, "texts are in pl or en"))
		}
	}
	if required && len(out) == 0 {
		problems.Add(apperr.Input(field, apperr.Required, "a label in Polish or English is required"))
	}
	return out, problems.Err()
}

func validChoices(in []models.Choice) ([]models.Choice, error) {
	var problems apperr.Problems
	if len(in) > MaxChoices {
		problems.Add(apperr.Input("choices", apperr.TooLong, fmt.Sprintf("at most %d options", MaxChoices)).With("max", MaxChoices))
	}
	seen := map[string]bool{}
	out := make([]models.Choice, 0, len(in))
	for i, c := range in {
		at := fmt.Sprintf("choices.%d", i)
		key := strings.TrimSpace(c.Key)
		switch {
		case !keyPattern.MatchString(key):
			problems.Add(apperr.Input(at+".key", apperr.InvalidFormat, "key must be 1 to 40 lower-case letters, digits or _, starting with a letter"))
		case seen[key]:
			problems.Add(apperr.Input(at+".key", apperr.Inconsistent, "two options have this key"))
		}
		seen[key] = true
		label, err := texts(c.Label, at+".label", MaxLabelLength, true)
		problems.Add(err)
		out = append(out, models.Choice{Key: key, Label: label})
	}
	return out, problems.Err()
}

const fieldColumns = `tenant_id, id, service_id, key, type, required, position, label, help, choices, max_length, min_number, max_number, archived_at, created_at, updated_at`

// QueueActive queues the read of the active fields asked when booking serviceID (its own and the
// business-wide ones), in form order, into out.
func QueueActive(tx *database.Tx, serviceID uuid.UUID, out *[]models.BookingField) {
	database.QueueRows(tx, `SELECT `+fieldColumns+` FROM booking_fields
		WHERE tenant_id = $1 AND archived_at IS NULL AND (service_id IS NULL OR service_id = $2)
		ORDER BY position, key`, []any{serviceID}, out)
}

// QueueInsertAnswers queues the insert of a new reservation's answers (validated by Validate).
func QueueInsertAnswers(tx *database.Tx, reservationID uuid.UUID, answers []models.ReservationAnswer, now time.Time) {
	for _, a := range answers {
		tx.Queue(`INSERT INTO reservation_answers (tenant_id, reservation_id, field_id, key, type, position, label, value,
				choice_keys, choice_labels, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			reservationID, a.FieldID, a.Key, a.Type, a.Position, a.Label, a.Value, a.ChoiceKeys, a.ChoiceLabels, now)
	}
}

// AnswersOf reads the answers of reservations of one business, in form order.
func (s *Service) AnswersOf(ctx context.Context, tenantID uuid.UUID, reservationIDs []uuid.UUID) (map[uuid.UUID][]models.ReservationAnswer, error) {
	out := map[uuid.UUID][]models.ReservationAnswer{}
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		clear(out)
		database.QueueRowsGrouped(tx, `SELECT tenant_id, reservation_id, field_id, key, type, position, label, value, choice_keys,
				choice_labels, created_at FROM reservation_answers WHERE tenant_id = $1 AND reservation_id = ANY($2) ORDER BY position, key`,
			[]any{reservationIDs}, func(a models.ReservationAnswer) uuid.UUID { return a.ReservationID }, out)
		return nil
	})
	return out, wrap("reservation answers", err)
}

// ActiveForServices reads the active fields of several services of one business (each service's
// own and the business-wide ones), in form order: the booking form's questions.
func (s *Service) ActiveForServices(ctx context.Context, tenantID uuid.UUID, serviceIDs []uuid.UUID) (map[uuid.UUID][]models.BookingField, error) {
	var rows []models.BookingField
	err := s.data.InTenant(ctx, tenantID, func(tx *database.Tx) error {
		rows = nil
		database.QueueRows(tx, `SELECT `+fieldColumns+` FROM booking_fields
			WHERE tenant_id = $1 AND archived_at IS NULL AND (service_id IS NULL OR service_id = ANY($2))
			ORDER BY position, key`, []any{serviceIDs}, &rows)
		return nil
	})
	if err != nil {
		return nil, wrap("booking fields", err)
	}
	out := make(map[uuid.UUID][]models.BookingField, len(serviceIDs))
	for _, id := range serviceIDs {
		out[id] = []models.BookingField{}
		for _, f := range rows {
			if f.ServiceID == nil || *f.ServiceID == id {
				out[id] = append(out[id], f)
			}
		}
	}
	return out, nil
}

// List is the staff's list of definitions: of one service (with the business-wide ones) or, with
// serviceID nil, of the whole business; archived ones only when asked.
func (s *Service) List(ctx context.Context, p *auth.Principal, serviceID *uuid.UUID, includeArchived bool) ([]models.BookingField, error) {
	if !p.IsStaff() {
		return nil, apperr.ErrForbidden
	}
	var rows []models.BookingField
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		rows = nil
		database.QueueRows(tx, `SELECT `+fieldColumns+` FROM booking_fields
			WHERE tenant_id = $1 AND ($2::uuid IS NULL OR service_id IS NULL OR service_id = $2) AND ($3 OR archived_at IS NULL)
			ORDER BY archived_at NULLS FIRST, position, key LIMIT 500`, []any{serviceID, includeArchived}, &rows)
		return nil
	})
	return rows, wrap("booking fields", err)
}

// Create adds a definition (OWNER/ADMIN); Position defaults to after the last one.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in Input) (*models.BookingField, error) {
	now := s.now().UTC()
	f := models.BookingField{TenantID: p.TenantID, ID: uuid.New(), CreatedAt: now, UpdatedAt: now}
	if err := in.apply(&f, true); err != nil {
		return nil, err
	}
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		if f.ServiceID != nil {
			var n int
			tx.Queue(`SELECT count(*) FROM services WHERE tenant_id = $1 AND id = $2`, *f.ServiceID).QueryRow(func(r pgx.Row) error { return r.Scan(&n) })
			if err := tx.Send(); err != nil {
				return err
			}
			if n == 0 {
				return ErrServiceNotFound.WithField("serviceId")
			}
		}
		position := f.Position
		if in.Position == nil {
			position = -1 // after the last
		}
		tx.Queue(`INSERT INTO booking_fields (`+fieldColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6,
				CASE WHEN $7::int >= 0 THEN $7::int ELSE (SELECT coalesce(max(position) + 1, 0) FROM booking_fields
					WHERE tenant_id = $1 AND archived_at IS NULL AND service_id IS NOT DISTINCT FROM $3::uuid) END,
				$8, $9, $10, $11, $12, $13, NULL, $14, $14) RETURNING position`,
			f.ID, f.ServiceID, f.Key, f.Type, f.Required, position, f.Label, f.Help, f.Choices, f.MaxLength, f.MinNumber, f.MaxNumber, now).
			QueryRow(func(r pgx.Row) error { return r.Scan(&f.Position) })
		return nil
	})
	if err != nil {
		return nil, wrap("create booking field", keyTaken(err))
	}
	return &f, nil
}

// Update changes a definition (OWNER/ADMIN); past answers keep their snapshot.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id uuid.UUID, in Input) (*models.BookingField, error) {
	var f models.BookingField
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		var err error
		if f, err = lockField(tx, id); err != nil {
			return err
		}
		if err := in.apply(&f, false); err != nil {
			return err
		}
		f.UpdatedAt = s.now().UTC()
		database.QueueUpdateRow(tx, "booking_fields", id, map[string]any{"type": f.Type, "required": f.Required, "position": f.Position,
			"label": f.Label, "help": f.Help, "choices": f.Choices, "max_length": f.MaxLength, "min_number": f.MinNumber,
			"max_number": f.MaxNumber, "updated_at": f.UpdatedAt})
		return nil
	})
	if err != nil {
		return nil, wrap("update booking field", err)
	}
	return &f, nil
}

// Archive retires a definition (OWNER/ADMIN): it is no longer asked, its answers stay, its key is free.
func (s *Service) Archive(ctx context.Context, p *auth.Principal, id uuid.UUID) (*models.BookingField, error) {
	var f models.BookingField
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		var err error
		if f, err = lockField(tx, id); err != nil {
			return err
		}
		if f.ArchivedAt == nil {
			now := s.now().UTC()
			f.ArchivedAt, f.UpdatedAt = &now, now
			database.QueueUpdateRow(tx, "booking_fields", id, map[string]any{"archived_at": now, "updated_at": now})
		}
		return nil
	})
	if err != nil {
		return nil, wrap("archive booking field", err)
	}
	return &f, nil
}

// Reorder sets the form order (OWNER/ADMIN): ids, active fields of one business, take positions
// 0, 1, 2, … in the order given. An unknown or archived id is NOT_FOUND (ids.<i>) and changes nothing.
func (s *Service) Reorder(ctx context.Context, p *auth.Principal, ids []uuid.UUID) ([]models.BookingField, error) {
	if len(ids) == 0 || len(ids) > 500 {
		return nil, apperr.Input("ids", apperr.OutOfRange, "give 1 to 500 booking field ids").With("min", 1).With("max", 500)
	}
	seen := map[uuid.UUID]bool{}
	for i, id := range ids {
		if seen[id] {
			return nil, apperr.Input(fmt.Sprintf("ids.%d", i), apperr.Inconsistent, "this booking field is listed twice")
		}
		seen[id] = true
	}
	var rows []models.BookingField
	err := s.data.InTenant(ctx, p.TenantID, func(tx *database.Tx) error {
		rows = nil
		database.QueueRows(tx, `SELECT `+fieldColumns+` FROM booking_fields WHERE tenant_id = $1 AND id = ANY($2) AND archived_at IS NULL FOR UPDATE`,
			[]any{ids}, &rows)
		if err := tx.Send(); err != nil {
			return err
		}
		index := map[uuid.UUID]int{}
		for i := range rows {
			index[rows[i].ID] = i
		}
		now := s.now().UTC()
		ordered := make([]models.BookingField, 0, len(ids))
		for pos, id := range ids {
			i, ok := index[id]
			if !ok {
				return ErrFieldNotFound.WithField(fmt.Sprintf("ids.%d", pos))
			}
			f := rows[i]
			f.Position, f.UpdatedAt = pos, now
			database.QueueUpdateRow(tx, "booking_fields", id, map[string]any{"position": pos, "updated_at": now})
			ordered = append(ordered, f)
		}
		rows = ordered
		return nil
	})
	if err != nil {
		return nil, wrap("reorder booking fields", err)
	}
	return rows, nil
}

func lockField(tx *database.Tx, id uuid.UUID) (models.BookingField, error) {
	var rows []models.BookingField
	database.QueueRows(tx, `SELECT `+fieldColumns+` FROM booking_fields WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, []any{id}, &rows)
	if err := tx.Send(); err != nil {
		return models.BookingField{}, err
	}
	if len(rows) != 1 {
		return models.BookingField{}, ErrFieldNotFound.WithField("id")
	}
	return rows[0], nil
}

func keyTaken(err error) error {
	if ok, name := database.IsCode(err, database.CodeUniqueViolation); ok && name == "booking_fields_key" {
		return ErrKeyTaken.WithField("key").Wrap(err)
	}
	return err
}

func wrap(op string, err error) error { return apperr.Op(op, err) }
