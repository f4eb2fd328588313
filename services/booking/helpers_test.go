package booking_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/config"
	"github.com/slotpay/slotpay/services/database"
	"github.com/slotpay/slotpay/services/database/dbtest"
	"github.com/slotpay/slotpay/services/tenancy"
)

// clock is a controllable time source shared by the services under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// fixture is one business with an owner, on its own database.
type fixture struct {
	db      *dbtest.DB
	clock   *clock
	tokens  *auth.Tokens
	tenancy *tenancy.Service
	svc     *booking.Service
	owner   *auth.Principal
	slug    string

	ownerOnce sync.Once
	owner_    *gorm.DB
}

var cheapArgon = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newFixture(t *testing.T, now time.Time) *fixture {
	t.Helper()
	db := dbtest.New(t)
	c := newClock(now)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	tokens, err := auth.NewTokens("slotpay", []config.Key{{ID: "k1", Secret: secret}}, 15*time.Minute, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	ten := tenancy.NewService(db.Data, tokens, tenancy.Options{Argon2: cheapArgon, Now: c.Now})
	f := &fixture{db: db, clock: c, tokens: tokens, tenancy: ten,
		svc: booking.NewService(db.Data, tokens, booking.Options{Now: c.Now})}
	f.owner, f.slug = f.newTenant(t, "Europe/Warsaw")
	return f
}

// newTenant signs up another business and returns its owner.
func (f *fixture) newTenant(t *testing.T, zone string) (*auth.Principal, string) {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	slug := "biz-" + hex.EncodeToString(b)
	sess, err := f.tenancy.SignUp(context.Background(), tenancy.SignUpInput{TenantName: "Biz", Slug: slug, TimeZone: zone,
		OwnerName: "Owner", Email: slug + "@example.com", Password: "correct horse battery staple"})
	if err != nil {
		t.Fatalf("sign up: %v", err)
	}
	return &auth.Principal{Kind: auth.KindStaff, UserID: sess.User.ID, TenantID: sess.Tenant.ID, Role: auth.RoleOwner}, slug
}

type setup struct {
	service models.Service
	staff   models.StaffMember
}

// serviceWithStaff creates a service and one staff member performing it, working 09:00-17:00 every
// day, with settings suited to tests (no minimum notice, 15-minute step).
func (f *fixture) serviceWithStaff(t *testing.T, p *auth.Principal, in booking.ServiceInput) setup {
	t.Helper()
	ctx := context.Background()
	if in.Name == nil {
		in.Name = ptr("Haircut")
	}
	if in.DurationMinutes == nil {
		in.DurationMinutes = ptr(60)
	}
	if in.PriceAmount == nil {
		in.PriceAmount = ptr(int64(10000))
	}
	svc, err := f.svc.CreateService(ctx, p, in)
	if err != nil {
		t.Fatalf("create service: %v", err)
	}
	m, err := f.svc.CreateStaffMember(ctx, p, booking.StaffInput{Name: ptr("Anna"), ServiceIDs: &[]uuid.UUID{svc.ID}})
	if err != nil {
		t.Fatalf("create staff: %v", err)
	}
	var week []booking.WeeklyInput
	for d := time.Sunday; d <= time.Saturday; d++ {
		week = append(week, booking.WeeklyInput{Weekday: d, ClockInterval: booking.ClockInterval{Start: "09:00", End: "17:00"}})
	}
	if _, err := f.svc.SetWeeklySchedule(ctx, p, m.ID, week); err != nil {
		t.Fatalf("weekly schedule: %v", err)
	}
	if _, err := f.svc.UpdateBookingSettings(ctx, p, booking.SettingsInput{MinNoticeMinutes: ptr(0), SlotStepMinutes: ptr(15)}); err != nil {
		t.Fatalf("settings: %v", err)
	}
	return setup{service: *svc, staff: *m}
}

func ptr[T any](v T) *T { return &v }

func warsaw(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// count runs a count query as the database owner (no RLS), for assertions about what was written.
func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.ownerDB(t).Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

func (f *fixture) ownerDB(t *testing.T) *gorm.DB {
	t.Helper()
	f.ownerOnce.Do(func() {
		db, err := database.Open(context.Background(), f.db.OwnerURL, 4)
		if err != nil {
			t.Fatalf("owner connection: %v", err)
		}
		t.Cleanup(db.Close)
		f.owner_ = db.Gorm()
	})
	return f.owner_
}
