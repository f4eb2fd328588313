// Package apperrtest helps tests of validators: it lists the input problems an error reports.
package apperrtest

import (
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/apperr"
)

// Problems lists err's input problems, in order, as "field REASON, field REASON" ("" for nil); a
// problem that is not a BAD_USER_INPUT error fails the test.
func Problems(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var out []string
	for _, p := range apperr.Each(err) {
		e, ok := apperr.As(p)
		if !ok || e.Code != apperr.BadUserInput {
			t.Fatalf("not an input error: %v", p)
		}
		out = append(out, e.Field+" "+string(e.Reason))
	}
	return strings.Join(out, ", ")
}
