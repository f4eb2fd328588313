package booking

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/apperr/apperrtest"
)

// sameProblems checks err's input problems against want, "field REASON, …".
func sameProblems(t *testing.T, name string, err error, want string) {
	t.Helper()
	if got := apperrtest.Problems(t, err); got != want {
		t.Fatalf("%s: got %q, want %q", name, got, want)
	}
}

func TestCreateInputReportsEveryProblem(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	good := func() CreateInput {
		return CreateInput{ServiceID: uuid.New(), StartsAt: start, CustomerName: " Jan Kowalski ",
			CustomerEmail: "Jan@Example.com", CustomerPhone: "+48 600 100 200"}
	}
	for _, c := range []struct {
		name string
		edit func(*CreateInput)
		want string
	}{
		{"good", func(*CreateInput) {}, ""},
		{"bad name, e-mail and phone", func(in *CreateInput) {
			in.CustomerName, in.CustomerEmail, in.CustomerPhone = " ", "jan@", "call me"
		}, "customer.name REQUIRED, customer.email INVALID_FORMAT, customer.phone INVALID_FORMAT"},
		{"no e-mail", func(in *CreateInput) { in.CustomerEmail = "" }, "customer.email REQUIRED"},
		{"a long name", func(in *CreateInput) { in.CustomerName = strings.Repeat("a", 201) }, "customer.name TOO_LONG"},
		{"a short phone", func(in *CreateInput) { in.CustomerPhone = "12345" }, "customer.phone TOO_SHORT"},
		{"a long phone", func(in *CreateInput) { in.CustomerPhone = "1234567890123456" }, "customer.phone TOO_LONG"},
		{"a long note and key", func(in *CreateInput) {
			in.Note, in.IdempotencyKey = strings.Repeat("n", 2001), strings.Repeat("k", 201)
		}, "note TOO_LONG, idempotencyKey TOO_LONG"},
		{"no start", func(in *CreateInput) { in.StartsAt = time.Time{} }, "startsAt REQUIRED"},
		{"a start between minutes", func(in *CreateInput) { in.StartsAt = start.Add(time.Second) }, "startsAt NOT_ALLOWED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := good()
			c.edit(&in)
			err := in.normalize()
			sameProblems(t, c.name, err, c.want)
			if err == nil && (in.CustomerName != "Jan Kowalski" || in.CustomerEmail != "jan@example.com") {
				t.Fatalf("not normalized: %+v", in)
			}
		})
	}
}

func TestServiceInputReportsEveryProblem(t *testing.T) {
	t.Parallel()
	n := func(v int) *int { return &v }
	s := func(v string) *string { return &v }
	price := func(v int64) *int64 { return &v }
	policy := models.PaymentPolicy("SOMETIMES")
	for _, c := range []struct {
		name     string
		in       ServiceInput
		creating bool
		want     string
	}{
		{"a complete new service", ServiceInput{Name: s("Haircut"), DurationMinutes: n(30), PriceAmount: price(5000)}, true, ""},
		{"a new service without anything", ServiceInput{}, true,
			"name REQUIRED, durationMinutes REQUIRED, priceAmount REQUIRED"},
		{"an update without anything", ServiceInput{}, false, ""},
		{"every number wrong", ServiceInput{DurationMinutes: n(1), PriceAmount: price(-1), BufferBeforeMinutes: n(-5),
			BufferAfterMinutes: n(241), Capacity: n(0), HoldMinutes: n(2)}, false,
			"durationMinutes OUT_OF_RANGE, priceAmount OUT_OF_RANGE, bufferBeforeMinutes OUT_OF_RANGE, bufferAfterMinutes OUT_OF_RANGE, capacity OUT_OF_RANGE, holdMinutes OUT_OF_RANGE"},
		{"texts, currency and policy", ServiceInput{Description: s(strings.Repeat("d", 5001)), Category: s(strings.Repeat("c", 101)),
			Currency: s("XYZ"), PaymentPolicy: &policy}, false,
			"description TOO_LONG, category TOO_LONG, currency NOT_ALLOWED, paymentPolicy NOT_ALLOWED"},
		{"hold 0 is the default", ServiceInput{HoldMinutes: n(0)}, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var svc models.Service
			sameProblems(t, c.name, c.in.apply(&svc, c.creating), c.want)
		})
	}
}

func TestSchedulesReportEveryProblem(t *testing.T) {
	t.Parallel()
	iv := func(day time.Weekday, start, end string) WeeklyInput {
		return WeeklyInput{Weekday: day, ClockInterval: ClockInterval{start, end}}
	}
	for _, c := range []struct {
		name string
		in   []WeeklyInput
		want string
	}{
		{"a good week", []WeeklyInput{iv(time.Monday, "09:00", "12:00"), iv(time.Monday, "13:00", "17:00"), iv(time.Tuesday, "09:00", "24:00")}, ""},
		{"several bad intervals", []WeeklyInput{
			iv(time.Monday, "9:00", "25:00"),
			iv(time.Weekday(9), "09:00", "10:00"),
			iv(time.Tuesday, "12:00", "11:00"),
			iv(time.Wednesday, "09:00", "12:00"),
			iv(time.Wednesday, "11:00", "13:00"),
			iv(time.Thursday, "24:00", "24:00"),
		}, "intervals.0.start INVALID_FORMAT, intervals.0.end OUT_OF_RANGE, intervals.1.weekday NOT_ALLOWED, intervals.2.end INCONSISTENT, intervals.4 INCONSISTENT, intervals.5.start OUT_OF_RANGE"},
		{"too many", make([]WeeklyInput, 7*24+1), "intervals TOO_LONG"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rows, err := weeklyRows(uuid.New(), uuid.New(), c.in)
			sameProblems(t, c.name, err, c.want)
			if err == nil && len(rows) != len(c.in) {
				t.Fatalf("%d rows for %d intervals", len(rows), len(c.in))
			}
		})
	}
	_, err := parseIntervals([]ClockInterval{{"08:00", "10:00"}, {"09:00", "11:00"}, {"x", "y"}}, "intervals")
	sameProblems(t, "a day's exceptions", err, "intervals.1 INCONSISTENT, intervals.2.start INVALID_FORMAT, intervals.2.end INVALID_FORMAT")
}

// TestServiceDeposit: a deposit is checked against the price and policy the service ends up with,
// every problem at once; NONE clears the value.
func TestServiceDeposit(t *testing.T) {
	t.Parallel()
	kind := func(k models.DepositKind) *models.DepositKind { return &k }
	value := func(v int64) *int64 { return &v }
	policy := func(p models.PaymentPolicy) *models.PaymentPolicy { return &p }
	for _, c := range []struct {
		name      string
		have      models.Service // before the change (on update)
		in        ServiceInput
		want      string
		wantKind  models.DepositKind
		wantValue int64
	}{
		{"fixed", models.Service{PriceAmount: 10000, PaymentPolicy: models.PaymentPolicyRequired},
			ServiceInput{DepositKind: kind(models.DepositFixed), DepositValue: value(3000)}, "", models.DepositFixed, 3000},
		{"percent with an optional payment", models.Service{PriceAmount: 10000, PaymentPolicy: models.PaymentPolicyOptional},
			ServiceInput{DepositKind: kind(models.DepositPercent), DepositValue: value(99)}, "", models.DepositPercent, 99},
		{"fixed at the price", models.Service{PriceAmount: 10000, PaymentPolicy: models.PaymentPolicyRequired},
			ServiceInput{DepositKind: kind(models.DepositFixed), DepositValue: value(10000)}, "depositValue OUT_OF_RANGE", models.DepositFixed, 10000},
		{"percent 100", models.Service{PriceAmount: 10000, PaymentPolicy: models.PaymentPolicyRequired},
			ServiceInput{DepositKind: kind(models.DepositPercent), DepositValue: value(100)}, "depositValue OUT_OF_RANGE", models.DepositPercent, 100},
		{"on site, with a negative fixed deposit", models.Service{PriceAmount: 10000, PaymentPolicy: models.PaymentPolicyNone},
			ServiceInput{DepositKind: kind(models.DepositFixed), DepositValue: value(-1)}, "depositKind INCONSISTENT, depositValue OUT_OF_RANGE", models.DepositFixed, -1},
		{"a free service cannot take a fixed deposit", models.Service{PriceAmount: 0, PaymentPolicy: models.PaymentPolicyRequired},
			ServiceInput{DepositKind: kind(models.DepositFixed), DepositValue: value(1)}, "depositValue INCONSISTENT", models.DepositFixed, 1},
		{"a lower price under a set fixed deposit", models.Service{PriceAmount: 10000, PaymentPolicy: models.PaymentPolicyRequired, DepositKind: models.DepositFixed, DepositValue: 5000},
			ServiceInput{PriceAmount: value(5000)}, "depositValue OUT_OF_RANGE", models.DepositFixed, 5000},
		{"paid on site from now on, with a deposit set", models.Service{PriceAmount: 10000, PaymentPolicy: models.PaymentPolicyRequired, DepositKind: models.DepositPercent, DepositValue: 30},
			ServiceInput{PaymentPolicy: policy(models.PaymentPolicyNone)}, "depositKind INCONSISTENT", models.DepositPercent, 30},
		{"none clears the value", models.Service{PriceAmount: 10000, PaymentPolicy: models.PaymentPolicyRequired, DepositKind: models.DepositPercent, DepositValue: 30},
			ServiceInput{DepositKind: kind(models.DepositNone)}, "", models.DepositNone, 0},
		{"a value without a kind", models.Service{PriceAmount: 10000, PaymentPolicy: models.PaymentPolicyRequired},
			ServiceInput{DepositValue: value(5)}, "depositValue INCONSISTENT", models.DepositNone, 5},
		{"unknown kind", models.Service{PriceAmount: 10000, PaymentPolicy: models.PaymentPolicyRequired},
			ServiceInput{DepositKind: kind("HALF")}, "depositKind NOT_ALLOWED", "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			svc := c.have
			sameProblems(t, c.name, c.in.apply(&svc, false), c.want)
			if c.want == "" && (svc.DepositKind != c.wantKind || svc.DepositValue != c.wantValue) {
				t.Fatalf("deposit %s %d, want %s %d", svc.DepositKind, svc.DepositValue, c.wantKind, c.wantValue)
			}
		})
	}
}
