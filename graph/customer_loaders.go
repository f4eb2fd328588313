package graph

import (
	"context"

	"github.com/vikstrous/dataloadgen"

	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/bookingfields"
	"github.com/slotpay/slotpay/services/paging"
)

// recordLoaders batch what hangs off customers, reservations and services for the customers and
// booking fields: a reservation's customer record (its staff-only fields), customers' statistics,
// reservations' answers and services' booking fields, one query per kind per response.
type recordLoaders struct {
	Customer      *dataloadgen.Loader[tenantKey, *models.Customer]
	Stats         *dataloadgen.Loader[tenantKey, *models.CustomerStats]
	Answers       *dataloadgen.Loader[tenantKey, []models.ReservationAnswer]
	ServiceFields *dataloadgen.Loader[tenantKey, []models.BookingField]
}

func (r *Resolver) recordLoaders(ctx context.Context) *recordLoaders {
	l := r.loaders(ctx)
	l.recordsOnce.Do(func() {
		opts := []dataloadgen.Option{dataloadgen.WithWait(loaderWait), dataloadgen.WithBatchCapacity(paging.MaxSize * 2)}
		l.records = &recordLoaders{
			Customer:      dataloadgen.NewMappedLoader(byTenant(r.CustomerRecords.ByIDs, ptr[models.Customer]), opts...),
			Stats:         dataloadgen.NewMappedLoader(byTenant(r.CustomerRecords.Stats, ptr[models.CustomerStats]), opts...),
			Answers:       dataloadgen.NewLoader(listByTenant(r.BookingForms.AnswersOf), opts...),
			ServiceFields: dataloadgen.NewLoader(listByTenant(r.BookingForms.ActiveForServices), opts...),
		}
	})
	return l.records
}

// customerRecord is the record behind a Customer: itself when it was read as a record, else (a
// reservation's customer) the record it links to.
func (r *Resolver) customerRecord(ctx context.Context, c *models.Customer) (*models.Customer, error) {
	if !c.Snapshot {
		return c, nil
	}
	rec, err := r.recordLoaders(ctx).Customer.Load(ctx, tenantKey{TenantID: c.TenantID, ID: c.ID})
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, apperr.New(apperr.NotFound, "customer not found")
	}
	return rec, nil
}

// fromRecord is a field of the record behind c (customerRecord).
func fromRecord[T any](ctx context.Context, r *Resolver, c *models.Customer, field func(*models.Customer) T) (T, error) {
	rec, err := r.customerRecord(ctx, c)
	if err != nil {
		var zero T
		return zero, err
	}
	return field(rec), nil
}

// localized is t in every supported language.
func localized(t models.Texts) *model.LocalizedText {
	return &model.LocalizedText{Pl: textOrNull(t["pl"]), En: textOrNull(t["en"])}
}

// textsOf is a LocalizedTextInput as the domain's Texts (nil when not given).
func textsOf(in *model.LocalizedTextInput) models.Texts {
	if in == nil {
		return nil
	}
	out := models.Texts{}
	if in.Pl != nil {
		out["pl"] = *in.Pl
	}
	if in.En != nil {
		out["en"] = *in.En
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func bookingFieldInput(in model.BookingFieldInput) bookingfields.Input {
	out := bookingfields.Input{ServiceID: in.ServiceID, Key: in.Key, Type: in.Type, Required: in.Required, Position: in.Position,
		Label: textsOf(in.Label), Help: textsOf(in.Help), MaxLength: in.MaxLength, MinNumber: in.Min, MaxNumber: in.Max,
		ClearLimits: deref(in.ClearLimits)}
	if in.Choices != nil {
		choices := make([]models.Choice, len(in.Choices))
		for i, c := range in.Choices {
			choices[i] = models.Choice{Key: c.Key, Label: textsOf(c.Label)}
		}
		out.Choices = &choices
	}
	return out
}
