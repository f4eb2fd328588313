package models

import (
	"io"
	"time"

	"github.com/google/uuid"
)

// Texts is a text in several languages, by locale ("pl", "en").
type Texts map[string]string

// In is the text in locale, else in the other supported language (Polish for English and the
// reverse), else in any language it has; "" when it has none.
func (t Texts) In(locale string) string {
	if s := t[locale]; s != "" {
		return s
	}
	for _, l := range []string{"en", "pl"} {
		if s := t[l]; s != "" {
			return s
		}
	}
	for _, s := range t {
		if s != "" {
			return s
		}
	}
	return ""
}

// BookingFieldType is the kind of answer a custom booking field takes.
type BookingFieldType string

// Booking field types.
const (
	FieldText         BookingFieldType = "TEXT"
	FieldNumber       BookingFieldType = "NUMBER"
	FieldSingleChoice BookingFieldType = "SINGLE_CHOICE"
	FieldMultiChoice  BookingFieldType = "MULTI_CHOICE"
	FieldCheckbox     BookingFieldType = "CHECKBOX"
	FieldDate         BookingFieldType = "DATE"
)

// Valid reports a known type.
func (t BookingFieldType) Valid() bool {
	switch t {
	case FieldText, FieldNumber, FieldSingleChoice, FieldMultiChoice, FieldCheckbox, FieldDate:
		return true
	}
	return false
}

// Choice is one option of a choice field.
type Choice struct {
	Key   string `json:"key"`
	Label Texts  `json:"label"`
}

// BookingField is a business's own question in the booking form (services/bookingfields): of one
// service, or of every service when ServiceID is nil.
type BookingField struct {
	TenantID   uuid.UUID  `gorm:"type:uuid;primaryKey"`
	ID         uuid.UUID  `gorm:"type:uuid;primaryKey"`
	ServiceID  *uuid.UUID `gorm:"type:uuid"`
	Key        string
	Type       BookingFieldType
	Required   bool
	Position   int
	Label      Texts    `gorm:"serializer:json"`
	Help       Texts    `gorm:"serializer:json"`
	Choices    []Choice `gorm:"serializer:json"`
	MaxLength  *int
	MinNumber  *float64
	MaxNumber  *float64
	ArchivedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Choice finds an option by key.
func (f *BookingField) Choice(key string) (Choice, bool) {
	for _, c := range f.Choices {
		if c.Key == key {
			return c, true
		}
	}
	return Choice{}, false
}

// ReservationAnswer is a reservation's answer to a booking field, with what was asked as it was
// then (label, type, the chosen options' labels): changing the field never rewrites it.
type ReservationAnswer struct {
	TenantID      uuid.UUID `gorm:"type:uuid;primaryKey"`
	ReservationID uuid.UUID `gorm:"type:uuid;primaryKey"`
	FieldID       uuid.UUID `gorm:"type:uuid"`
	Key           string    `gorm:"primaryKey"`
	Type          BookingFieldType
	Position      int
	Label         Texts `gorm:"serializer:json"`
	Value         *string
	ChoiceKeys    []string `gorm:"type:text[]"`
	ChoiceLabels  []Texts  `gorm:"serializer:json"`
	CreatedAt     time.Time
}

// MarshalGQL writes the enum value.
func (t BookingFieldType) MarshalGQL(w io.Writer) { writeEnum(w, string(t)) }

// UnmarshalGQL reads the enum value.
func (t *BookingFieldType) UnmarshalGQL(v any) error { return readEnum(v, t, "BookingFieldType") }
