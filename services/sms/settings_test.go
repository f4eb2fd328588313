package sms_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/secrets"
	"github.com/slotpay/slotpay/services/sms"
	"github.com/slotpay/slotpay/smsapisim"
)

type fixture struct {
	t       *testing.T
	db      *dbtest.DB
	svc     *sms.Service
	sim     *smsapisim.Simulator
	clock   time.Time
	tenants []uuid.UUID
}

func box(t *testing.T) *secrets.Box {
	b, err := secrets.NewBox([]config.Key{{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newFixture is a database with two businesses (Europe/Warsaw) and a service whose platform token
// is platformToken ("" for none).
func newFixture(t *testing.T, platformToken string) *fixture {
	t.Helper()
	f := &fixture{t: t, db: dbtest.New(t), clock: time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)}
	sim, conn := standIn(t, smsapisim.Config{Tokens: []string{token, "own-token-abcdefgh"}})
	f.sim = sim
	f.svc = sms.NewService(f.db.Data, sms.Options{Box: box(t), SMSAPI: conn, PlatformToken: platformToken, PlatformSender: "Slotpay",
		Now: func() time.Time { return f.clock }})
	owner, err := f.db.Owner()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		id := uuid.New()
		if _, err := owner.Exec(context.Background(), `INSERT INTO tenants (id, name, slug, time_zone, currency, locale)
			VALUES ($1, 'Salon', $2, 'Europe/Warsaw', 'PLN', 'pl-PL')`, id, fmt.Sprintf("sms-%d-%s", i, id.String()[:8])); err != nil {
			t.Fatal(err)
		}
		f.tenants = append(f.tenants, id)
	}
	return f
}

func (f *fixture) customer(tenant uuid.UUID, phone string) uuid.UUID {
	f.t.Helper()
	owner, _ := f.db.Owner()
	id := uuid.New()
	var p, pn any
	if phone != "" {
		p, pn = phone, phone
	}
	if _, err := owner.Exec(context.Background(), `INSERT INTO customers (tenant_id, id, name, email, email_normalized, phone, phone_normalized)
		VALUES ($1, $2, 'Anna', $3, $3, $4, $5)`, tenant, id, id.String()[:8]+"@example.com", p, pn); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func ownerOf(tenant uuid.UUID) *auth.Principal {
	return &auth.Principal{Kind: auth.KindStaff, TenantID: tenant, UserID: uuid.New(), Role: auth.RoleOwner}
}

func ptr[T any](v T) *T { return &v }

func TestSettingsNeverRevealTheToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	p := ownerOf(f.tenants[0])
	s, err := f.svc.Settings(ctx, p)
	if err != nil || s.Enabled || s.OwnToken() || s.PlatformAvailable || !s.Transliterate {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	// SMS on without any token: refused, nothing written.
	_, err = f.svc.UpdateSettings(ctx, p, sms.Update{Enabled: ptr(true)})
	if e, ok := apperr.As(err); !ok || e.Field != "enabled" || e.Code != apperr.BadUserInput {
		t.Fatalf("enable without a token: %v", err)
	}
	// A token SMSAPI does not accept is refused before anything is stored.
	if _, err := f.svc.UpdateSettings(ctx, p, sms.Update{Enabled: ptr(true), Token: ptr("unknown-token-1234")}); !errors.Is(err, sms.ErrTokenRefused) {
		t.Fatalf("unknown token: %v", err)
	} else if e, _ := apperr.As(err); e.Field != "token" {
		t.Fatalf("unknown token on %q", e.Field)
	}
	s, err = f.svc.UpdateSettings(ctx, p, sms.Update{Enabled: ptr(true), Token: ptr(" own-token-abcdefgh "), SenderName: ptr("SalonAnna")})
	if err != nil || !s.Enabled || s.TokenHint != "••••efgh" || s.SenderName != "SalonAnna" || !s.Sending() {
		t.Fatalf("saved: %+v %v", s, err)
	}
	owner, _ := f.db.Owner()
	var sealed string
	if err := owner.QueryRow(ctx, `SELECT token_sealed FROM sms_settings WHERE tenant_id = $1`, f.tenants[0]).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "own-token") || !strings.HasPrefix(sealed, "v1:k1:") {
		t.Fatalf("token stored as %q", sealed)
	}
	// Removing the token while SMS is on, with no platform token: refused on the token field.
	if _, err := f.svc.UpdateSettings(ctx, p, sms.Update{Token: ptr("")}); err == nil {
		t.Fatal("token removed while SMS is on without a platform token")
	} else if e, _ := apperr.As(err); e.Field != "token" {
		t.Fatalf("field %q", e.Field)
	}
	// Another business sees its own (empty) settings.
	if other, err := f.svc.Settings(ctx, ownerOf(f.tenants[1])); err != nil || other.Enabled || other.OwnToken() {
		t.Fatalf("another business: %+v %v", other, err)
	}
	// STAFF may not read or change them.
	staff := &auth.Principal{Kind: auth.KindStaff, TenantID: f.tenants[0], Role: auth.RoleStaff}
	if _, err := f.svc.Settings(ctx, staff); !errors.Is(err, apperr.ErrForbidden) {
		t.Fatalf("staff read: %v", err)
	}
	if _, err := f.svc.UpdateSettings(ctx, staff, sms.Update{Enabled: ptr(false)}); !errors.Is(err, apperr.ErrForbidden) {
		t.Fatalf("staff write: %v", err)
	}
}

func TestUpdateSettingsReportsEveryBadField(t *testing.T) {
	t.Parallel()
	f := newFixture(t, token)
	_, err := f.svc.UpdateSettings(context.Background(), ownerOf(f.tenants[0]),
		sms.Update{Enabled: ptr(true), SenderName: ptr("Salon Zdrój"), Token: ptr("x y")})
	got := map[string]apperr.Reason{}
	for _, e := range apperr.Each(err) {
		ae, _ := apperr.As(e)
		got[ae.Field] = ae.Reason
	}
	if got["senderName"] != apperr.InvalidFormat || got["token"] != apperr.InvalidFormat || len(got) != 2 {
		t.Fatalf("problems %v (%v)", got, err)
	}
	if s, _ := f.svc.Settings(context.Background(), ownerOf(f.tenants[0])); s.Enabled {
		t.Fatal("a refused update changed the settings")
	}
}

// Prepare: the platform's account and sender when the business has no token, the business's own
// token and sender otherwise, Polish transliterated by default, opt-out and missing numbers
// skipped, quiet hours in the business's zone.
func TestPrepare(t *testing.T) {
	t.Parallel()
	f := newFixture(t, token)
	ctx := context.Background()
	tenant := f.tenants[0]
	anna := f.customer(tenant, "+48600100200")
	nophone := f.customer(tenant, "")
	text := "Wizyta jutro o 9:00 — Gabinet Łódź"
	visit := time.Date(2026, 6, 11, 7, 0, 0, 0, time.UTC)

	if _, err := f.svc.Prepare(ctx, tenant, sms.Recipient{CustomerID: anna}, text, "m1", visit); !errors.Is(err, sms.ErrNotSending) {
		t.Fatalf("SMS off: %v", err)
	}
	if _, err := f.svc.UpdateSettings(ctx, ownerOf(tenant), sms.Update{Enabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.Prepare(ctx, tenant, sms.Recipient{CustomerID: anna}, text, "m1", visit)
	if err != nil {
		t.Fatal(err)
	}
	if out.Message.To != "+48600100200" || out.Message.From != "Slotpay" || out.Message.Text != "Wizyta jutro o 9:00 - Gabinet Lodz" ||
		out.Segments.Encoding != sms.GSM7 || !out.SendAt.Equal(f.clock) || out.Message.Key != "m1" {
		t.Fatalf("platform account: %+v", out)
	}
	if _, err := out.Provider.Send(ctx, out.Message); err != nil {
		t.Fatalf("send with the platform token: %v", err)
	}
	if got := f.sim.Messages(); len(got) != 1 || got[0].Account != "••••cdef" {
		t.Fatalf("sent %+v", got)
	}

	// The business's own token and sender; diacritics kept when it says so.
	if _, err := f.svc.UpdateSettings(ctx, ownerOf(tenant), sms.Update{Token: ptr("own-token-abcdefgh"), SenderName: ptr("Test"), Transliterate: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	out, err = f.svc.Prepare(ctx, tenant, sms.Recipient{CustomerID: anna}, text, "m2", visit)
	if err != nil || out.Message.From != "Test" || out.Message.Text != text || out.Segments.Encoding != sms.UCS2 {
		t.Fatalf("own account: %+v %v", out, err)
	}
	if _, err := out.Provider.Send(ctx, out.Message); err != nil {
		t.Fatal(err)
	}
	if got := f.sim.Messages(); got[1].Account != "••••efgh" || got[1].Text != text {
		t.Fatalf("sent with %+v", got[1])
	}

	// Quiet hours: at 22:30 in Warsaw (20:30 UTC) a message about tomorrow 09:00 waits for 08:00.
	f.clock = time.Date(2026, 6, 10, 20, 30, 0, 0, time.UTC)
	out, err = f.svc.Prepare(ctx, tenant, sms.Recipient{CustomerID: anna}, text, "m3", visit)
	if err != nil || !out.SendAt.Equal(time.Date(2026, 6, 11, 6, 0, 0, 0, time.UTC)) {
		t.Fatalf("quiet hours: %v %v", out.SendAt, err)
	}

	if _, err := f.svc.Prepare(ctx, tenant, sms.Recipient{CustomerID: nophone}, text, "m4", visit); !errors.Is(err, sms.ErrNoPhone) {
		t.Fatalf("no phone: %v", err)
	}
	// Opted out by staff: skipped; opted back in: sent again.
	c, err := f.svc.SetCustomerOptOut(ctx, ownerOf(tenant), anna, true)
	if err != nil || c.SmsOptedOutAt == nil || *c.SmsOptOutSource != sms.OptOutByStaff {
		t.Fatalf("opt out: %+v %v", c, err)
	}
	if _, err := f.svc.Prepare(ctx, tenant, sms.Recipient{CustomerID: anna}, text, "m5", visit); !errors.Is(err, sms.ErrOptedOut) {
		t.Fatalf("opted out: %v", err)
	}
	if c, err := f.svc.SetCustomerOptOut(ctx, ownerOf(tenant), anna, false); err != nil || c.SmsOptedOutAt != nil {
		t.Fatalf("opt back in: %+v %v", c, err)
	}
	if _, err := f.svc.Prepare(ctx, tenant, sms.Recipient{CustomerID: anna}, text, "m6", visit); err != nil {
		t.Fatalf("after opting back in: %v", err)
	}
	// Another business's customer is not found, and nothing changes.
	if _, err := f.svc.SetCustomerOptOut(ctx, ownerOf(f.tenants[1]), anna, true); !errors.Is(err, sms.ErrCustomerNotFound) {
		t.Fatalf("another business's customer: %v", err)
	}
	if _, err := f.svc.Prepare(ctx, tenant, sms.Recipient{CustomerID: anna}, text, "m7", visit); err != nil {
		t.Fatalf("the other business's attempt changed the opt-out: %v", err)
	}
}
