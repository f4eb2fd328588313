package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestProblems(t *testing.T) {
	t.Parallel()
	name := Input("customer.name", Required, "name is required")
	email := Input("customer.email", InvalidFormat, "e-mail address is not valid")
	phone := Input("customer.phone", TooShort, "phone number must have 6 to 15 digits").With("min", 6)
	sentinel := New(BadUserInput, "the start time is in the past")

	var none Problems
	none.Add(nil)
	if none.Err() != nil {
		t.Fatalf("no problems: %v", none.Err())
	}

	var one Problems
	one.Add(nil)
	one.Add(name)
	if one.Err() != name {
		t.Fatalf("one problem is itself: %#v", one.Err())
	}

	var all Problems
	all.Add(name)
	all.Add(fmt.Errorf("check: %w", sentinel.WithField("startsAt")))
	var inner Problems
	inner.Add(email)
	inner.Add(phone)
	all.Add(inner.Err()) // flattened
	err := fmt.Errorf("create reservation: %w", all.Err())
	if got := Each(err); len(got) != 4 {
		t.Fatalf("Each: %d problems, want 4: %v", len(got), got)
	}
	if !errors.Is(err, sentinel) || !errors.Is(err, email) {
		t.Fatal("errors.Is does not see every problem")
	}
	if e, ok := As(err); !ok || e != name {
		t.Fatalf("As finds %v, want the first problem", e)
	}
	if got := Each(name); len(got) != 1 || got[0] != name {
		t.Fatalf("Each of one error: %v", got)
	}
	if phone.Params["min"] != 6 || name.Params != nil {
		t.Fatalf("With changed the original or lost the parameter: %v %v", phone.Params, name.Params)
	}
	if Invalid("x", "bad").Reason != InvalidValue || phone.WithReason(TooLong).Reason != TooLong || phone.Reason != TooShort {
		t.Fatal("reasons")
	}
}
