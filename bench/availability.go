package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/models"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/database"
)

// AvailabilityFloor is the availability workload without GraphQL or HTTP: the domain function
// slotpay's availability resolver calls (booking.Service.Availability: the slug look-up, the one
// round trip of reads, ComputeSlots), on the application role with a pool of pgxpool's default
// size as slotpay's, and the answer grouped by local date and encoded with encoding/json in the
// shape the widget's query asks for. What the data and the slot computation cost on this machine.
type AvailabilityFloor struct {
	db      *database.DB
	booking *booking.Service
}

func newAvailabilityFloor(ctx context.Context, appURL string) (*AvailabilityFloor, error) {
	db, err := database.Open(ctx, appURL, 0)
	if err != nil {
		return nil, err
	}
	return &AvailabilityFloor{db: db, booking: booking.NewService(db, nil, booking.Options{})}, nil
}

func (f *AvailabilityFloor) Close() { f.db.Close() }

// The JSON the floor writes: bench/availability.graphql's selection.
type (
	floorWeek struct {
		TimeZone string     `json:"timeZone"`
		Days     []floorDay `json:"days"`
	}
	floorDay struct {
		Date  string      `json:"date"`
		Slots []floorSlot `json:"slots"`
	}
	floorSlot struct {
		StartsAt   time.Time   `json:"startsAt"`
		EndsAt     time.Time   `json:"endsAt"`
		LocalStart string      `json:"localStart"`
		Staff      []floorFree `json:"staff"`
	}
	floorFree struct {
		StaffMember struct {
			ID   uuid.UUID `json:"id"`
			Name string    `json:"name"`
		} `json:"staffMember"`
		SeatsLeft int `json:"seatsLeft"`
	}
)

// week answers one availability request of the workload and writes it to w.
func (f *AvailabilityFloor) week(ctx context.Context, w io.Writer, slug string, service uuid.UUID, from, to string) error {
	q := booking.AvailabilityQuery{TenantSlug: slug, ServiceID: service}
	var err error
	if q.From, err = models.ParseDate(from); err != nil {
		return err
	}
	if q.To, err = models.ParseDate(to); err != nil {
		return err
	}
	a, err := f.booking.Availability(ctx, q)
	if err != nil {
		return err
	}
	out := floorWeek{TimeZone: a.Location.String()}
	index := map[models.Date]int{}
	for d := q.From; !q.To.Before(d); d = d.AddDays(1) {
		index[d] = len(out.Days)
		out.Days = append(out.Days, floorDay{Date: d.String(), Slots: []floorSlot{}})
	}
	for _, s := range a.Slots {
		local := s.StartsAt.In(a.Location)
		i, ok := index[models.DateOf(local)]
		if !ok {
			continue
		}
		slot := floorSlot{StartsAt: s.StartsAt.UTC(), EndsAt: s.EndsAt.UTC(), LocalStart: local.Format("15:04"), Staff: make([]floorFree, len(s.Staff))}
		for j, free := range s.Staff {
			slot.Staff[j].StaffMember.ID, slot.Staff[j].StaffMember.Name = free.StaffMember.ID, free.StaffMember.Name
			slot.Staff[j].SeatsLeft = free.SeatsLeft
		}
		out.Days[i].Slots = append(out.Days[i].Slots, slot)
	}
	return json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"availability": out}})
}

// sameAnswer checks that the floor answers what slotpay answered (its GraphQL response body), so the
// floor measures the same work.
func sameAnswer(slotpayBody []byte, floor *bytes.Buffer) error {
	var a, b struct {
		Data struct{ Availability any }
	}
	if err := json.Unmarshal(slotpayBody, &a); err != nil {
		return err
	}
	if err := json.Unmarshal(floor.Bytes(), &b); err != nil {
		return err
	}
	if !reflect.DeepEqual(a.Data.Availability, b.Data.Availability) {
		return fmt.Errorf("the floor's answer differs from slotpay's:\n%.600s\n%.600s", slotpayBody, floor.Bytes())
	}
	return nil
}
