// Package scalar marshals slotpay's custom GraphQL scalars. Their unmarshalers run after validation,
// while arguments are read, so a malformed value is reported here as BAD_USER_INPUT: the error
// presenter can then treat every error that is not a client-visible one as internal.
package scalar

import (
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
)

func invalid(err error) error { return apperr.New(apperr.BadUserInput, err.Error()) }

// MarshalUUID writes a UUID.
func MarshalUUID(u uuid.UUID) graphql.Marshaler { return graphql.MarshalUUID(u) }

// UnmarshalUUID reads a UUID.
func UnmarshalUUID(v any) (uuid.UUID, error) {
	u, err := graphql.UnmarshalUUID(v)
	if err != nil {
		return u, invalid(err)
	}
	return u, nil
}

// MarshalTime writes an RFC 3339 time in UTC.
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t.UTC()) }

// UnmarshalTime reads an RFC 3339 time.
func UnmarshalTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return t, invalid(err)
	}
	return t, nil
}

// MarshalDate writes a calendar date (YYYY-MM-DD).
func MarshalDate(d models.Date) graphql.Marshaler { return d }

// UnmarshalDate reads a calendar date.
func UnmarshalDate(v any) (models.Date, error) {
	var d models.Date
	if err := d.UnmarshalGQL(v); err != nil {
		return d, invalid(err)
	}
	return d, nil
}

// Coercers check a variable's value for each custom scalar, by the scalar's name: the same
// unmarshalers the resolvers' arguments are read with, so a value accepted here is read there.
var Coercers = map[string]func(any) error{
	"UUID": func(v any) error { _, err := UnmarshalUUID(v); return err },
	"Time": func(v any) error { _, err := UnmarshalTime(v); return err },
	"Date": func(v any) error { _, err := UnmarshalDate(v); return err },
}
