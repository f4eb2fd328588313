package auth

import (
	"context"

	"github.com/google/uuid"
)

// CallerPublic is the kind of a caller without a (valid) token.
const CallerPublic = "public"

// TokenCaller is the caller as its token states it, for logs: its kind ("staff", "customer", or
// "public" without a token or with one refused) and its business (uuid.Nil when public). It reads
// no membership, so logging a request costs no query.
func TokenCaller(ctx context.Context) (kind string, tenantID uuid.UUID) {
	v, _ := ctx.Value(ctxKey{}).(ctxValue)
	p := v.p
	if v.authority != nil {
		token := v.authority.Token()
		p = &token
	}
	if p == nil {
		return CallerPublic, uuid.Nil
	}
	return string(p.Kind), p.TenantID
}
