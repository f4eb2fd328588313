package customers

import (
	"slices"
	"testing"
	"time"

	"github.com/slotpay/slotpay/models"
)

func TestMerged(t *testing.T) {
	t.Parallel()
	day := func(d int) *time.Time { v := time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC); return &v }
	text := func(s string) *string { return &s }
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	keep := models.Customer{Name: "Anna", Tags: []string{"vip"}, Notes: text("mornings"), MarketingEmail: true, MarketingEmailAt: day(5),
		CreatedAt: *day(10)}
	other := models.Customer{Name: "A.", Tags: []string{"VIP", "new"}, Notes: text("card"), Phone: text("600 100 200"),
		PhoneNormalized: text("+48600100200"), Locale: text("pl-PL"), MarketingEmail: true, MarketingEmailAt: day(2),
		MarketingSms: true, MarketingSmsAt: day(3), CreatedAt: *day(1)}
	got := merged(keep, other, now)
	switch {
	case got.Name != "Anna":
		t.Errorf("name %q: the kept record's", got.Name)
	case !slices.Equal(got.Tags, []string{"vip", "new"}):
		t.Errorf("tags %q: united, repeats ignoring case dropped", got.Tags)
	case *got.Notes != "mornings\n\ncard":
		t.Errorf("notes %q: the kept record's first", *got.Notes)
	case !got.MarketingEmail || !got.MarketingEmailAt.Equal(*day(2)):
		t.Errorf("e-mail consent %v %v: kept with its earliest date", got.MarketingEmail, got.MarketingEmailAt)
	case !got.MarketingSms || !got.MarketingSmsAt.Equal(*day(3)):
		t.Errorf("sms consent %v %v: given on the merged record, kept", got.MarketingSms, got.MarketingSmsAt)
	case *got.PhoneNormalized != "+48600100200" || *got.Locale != "pl-PL":
		t.Errorf("phone %v locale %v: filled from the merged record", got.PhoneNormalized, got.Locale)
	case !got.CreatedAt.Equal(*day(1)) || !got.UpdatedAt.Equal(now):
		t.Errorf("created %v updated %v", got.CreatedAt, got.UpdatedAt)
	}
	// The kept record's own phone, locale and a withdrawn consent on both stay.
	keep.Phone, keep.PhoneNormalized, keep.Locale = text("700"), text("700"), text("en")
	other.MarketingSms, other.MarketingSmsAt = false, nil
	got = merged(keep, other, now)
	if *got.Phone != "700" || *got.Locale != "en" || got.MarketingSms || got.MarketingSmsAt != nil {
		t.Errorf("second merge %+v", got)
	}
	// Notes never exceed the limit.
	long := string(make([]rune, MaxNotes))
	keep.Notes, other.Notes = &long, text("more")
	if n := len([]rune(*merged(keep, other, now).Notes)); n != MaxNotes {
		t.Errorf("merged notes %d characters", n)
	}
}

// An SMS opt-out on either record holds for the merged one, with the earliest date and its source.
func TestMergedKeepsTheSmsOptOut(t *testing.T) {
	t.Parallel()
	day := func(d int) *time.Time { v := time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC); return &v }
	text := func(s string) *string { return &s }
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	other := models.Customer{SmsOptedOutAt: day(4), SmsOptOutSource: text("CUSTOMER")}
	if got := merged(models.Customer{}, other, now); got.SmsOptedOutAt == nil || !got.SmsOptedOutAt.Equal(*day(4)) || *got.SmsOptOutSource != "CUSTOMER" {
		t.Errorf("opt-out of the merged record lost: %v %v", got.SmsOptedOutAt, got.SmsOptOutSource)
	}
	keep := models.Customer{SmsOptedOutAt: day(2), SmsOptOutSource: text("STAFF")}
	if got := merged(keep, other, now); !got.SmsOptedOutAt.Equal(*day(2)) || *got.SmsOptOutSource != "STAFF" {
		t.Errorf("the earliest opt-out is not kept: %v %v", got.SmsOptedOutAt, *got.SmsOptOutSource)
	}
	if got := merged(models.Customer{}, models.Customer{}, now); got.SmsOptedOutAt != nil || got.SmsOptOutSource != nil {
		t.Error("an opt-out appeared from nowhere")
	}
}
