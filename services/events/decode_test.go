package events

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	tenant := uuid.MustParse("0e0f6b43-6d1d-4f0e-9a53-3f1d1c0ad001")
	reservation := uuid.MustParse("0e0f6b43-6d1d-4f0e-9a53-3f1d1c0ad002")
	tests := []struct {
		name    string
		payload string
		want    Event
		wantErr bool
	}{
		{"reservation", `{"k":"RESERVATION_CREATED","t":"` + tenant.String() + `","r":"` + reservation.String() + `"}`,
			Event{Kind: ReservationCreated, TenantID: tenant, ReservationID: reservation}, false},
		{"with range", `{"k":"RESERVATION_UPDATED","t":"` + tenant.String() + `","f":"2030-05-06T10:00:00Z","u":"2030-05-06T11:00:00Z"}`,
			Event{Kind: ReservationUpdated, TenantID: tenant, From: time.Date(2030, 5, 6, 10, 0, 0, 0, time.UTC), To: time.Date(2030, 5, 6, 11, 0, 0, 0, time.UTC)}, false},
		{"unknown kind is kept", `{"k":"SOMETHING_NEW","t":"` + tenant.String() + `"}`, Event{Kind: "SOMETHING_NEW", TenantID: tenant}, false},
		{"no tenant", `{"k":"RESERVATION_CREATED"}`, Event{}, true},
		{"nil tenant", `{"k":"RESERVATION_CREATED","t":"00000000-0000-0000-0000-000000000000"}`, Event{}, true},
		{"no kind", `{"t":"` + tenant.String() + `"}`, Event{}, true},
		{"resync from the wire", `{"k":"RESYNC","t":"` + tenant.String() + `"}`, Event{}, true},
		{"bad uuid", `{"k":"RESERVATION_CREATED","t":"nope"}`, Event{}, true},
		{"not json", `RESERVATION_CREATED`, Event{}, true},
		{"empty", ``, Event{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode(tt.payload)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidEvent) {
					t.Fatalf("err = %v, want ErrInvalidEvent", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sameEvent(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func sameEvent(a, b Event) bool {
	return a.Kind == b.Kind && a.TenantID == b.TenantID && a.ReservationID == b.ReservationID &&
		a.PaymentID == b.PaymentID && a.ServiceID == b.ServiceID && a.StaffMemberID == b.StaffMemberID &&
		a.From.Equal(b.From) && a.To.Equal(b.To)
}

// FuzzDecode: NOTIFY payloads can come from anyone allowed to NOTIFY. Decode must never panic,
// must accept only events Publish would send, and what it accepts must survive a round trip.
func FuzzDecode(f *testing.F) {
	for _, e := range []Event{
		{Kind: ReservationCreated, TenantID: uuid.New(), ReservationID: uuid.New(), ServiceID: uuid.New(), StaffMemberID: uuid.New()},
		{Kind: PaymentUpdated, TenantID: uuid.New(), ReservationID: uuid.New(), PaymentID: uuid.New()},
		{Kind: ReservationUpdated, TenantID: uuid.New(), From: time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC), To: time.Date(2030, 1, 2, 4, 0, 0, 0, time.FixedZone("x", 3600))},
	} {
		b, err := json.Marshal(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(`{"k":"RESYNC","t":"0e0f6b43-6d1d-4f0e-9a53-3f1d1c0ad001"}`)
	f.Add(`{"k":"","t":null,"r":[1,2]}`)
	f.Add(`{"k":"X","t":"0e0f6b43-6d1d-4f0e-9a53-3f1d1c0ad001","f":"0000-01-01T00:00:00+23:59"}`)
	f.Add(`null`)
	f.Fuzz(func(t *testing.T, payload string) {
		e, err := Decode(payload)
		if err != nil {
			if !errors.Is(err, ErrInvalidEvent) {
				t.Fatalf("error %v is not ErrInvalidEvent", err)
			}
			return
		}
		if e.Kind == "" || e.Kind == Resync || e.TenantID == uuid.Nil {
			t.Fatalf("accepted an event Publish would refuse: %+v", e)
		}
		b, err := json.Marshal(e)
		if err != nil {
			// Decoded times outside what JSON can encode (years past 9999 via offsets) cannot be
			// published again; nothing relays events, so that is not a failure.
			return
		}
		again, err := Decode(string(b))
		if err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		if !sameEvent(e, again) {
			t.Fatalf("round trip changed %+v into %+v", e, again)
		}
	})
}
