package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/imoje"
	"github.com/slotpay/slotpay/services/payments"
	"github.com/slotpay/slotpay/services/ratelimit"
)

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func imojeChannel(m imoje.ServiceMethod) *model.ImojeChannel {
	c := &model.ImojeChannel{Method: m.PaymentMethod, Code: m.PaymentMethodCode, Active: m.IsActive, Online: m.IsOnline,
		Currency: optional(m.Currency), Description: optional(m.Description)}
	if v := int(m.TransactionLimits.MinTransaction.Value); v > 0 {
		c.MinAmount = &v
	}
	if v := int(m.TransactionLimits.MaxTransaction.Value); v > 0 {
		c.MaxAmount = &v
	}
	return c
}

func methodInput(in model.PaymentMethodInput) payments.MethodInput {
	return payments.MethodInput{DisplayName: in.DisplayName, Description: in.Description, Enabled: in.Enabled,
		SortOrder: in.SortOrder, IsDefault: in.IsDefault, AccountHolder: in.AccountHolder, AccountNumber: in.AccountNumber,
		BankName: in.BankName, TitleTemplate: in.TitleTemplate, AutoRefundUnwanted: in.AutoRefundUnwanted}
}

// clientIP is the caller's address (set by web.ClientIP) for imoje: a BLIK code payment needs the
// payer's IP.
func clientIP(ctx context.Context) string { return ratelimit.ClientIP(ctx) }

// PaymentLoaders batch payments and refunds (one query per kind per response).
type PaymentLoaders struct {
	Refunds *dataloadgen.Loader[tenantKey, []models.Refund]
	Payment *dataloadgen.Loader[tenantKey, *models.Payment]
}

// NewPaymentLoaders builds the payment loaders of one response.
func NewPaymentLoaders(p *payments.Service) *PaymentLoaders {
	opts := []dataloadgen.Option{dataloadgen.WithWait(loaderWait)}
	return &PaymentLoaders{
		Refunds: dataloadgen.NewLoader(listByTenant(p.Refunds), opts...),
		Payment: dataloadgen.NewMappedLoader(byTenant(p.PaymentsByIDs, ptr[models.Payment]), opts...),
	}
}

type paymentLoadersKey struct{}

// WithPaymentLoaders gives every response its own payment loaders.
func WithPaymentLoaders(p *payments.Service) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return next(context.WithValue(ctx, paymentLoadersKey{}, NewPaymentLoaders(p)))
	}
}

func (r *Resolver) paymentLoaders(ctx context.Context) *PaymentLoaders {
	if l, ok := ctx.Value(paymentLoadersKey{}).(*PaymentLoaders); ok {
		return l
	}
	return NewPaymentLoaders(r.Payments)
}

// publicPaymentMethods is the customers' view of a business's enabled methods: kind, name,
// description and, for imoje, the offered channels — never an account detail or a credential.
func publicPaymentMethods(methods []models.PaymentMethod) []*model.PublicPaymentMethod {
	out := make([]*model.PublicPaymentMethod, 0, len(methods))
	for _, m := range methods {
		p := &model.PublicPaymentMethod{Kind: model.PaymentMethodKind(m.Kind), DisplayName: m.DisplayName,
			Description: textOrNull(m.Description), Channels: []models.PaymentChannel{}}
		if m.Kind == models.MethodImoje && m.Imoje != nil {
			for _, c := range m.Imoje.OfferedChannels {
				p.Channels = append(p.Channels, models.PaymentChannel(c))
			}
		}
		out = append(out, p)
	}
	return out
}
