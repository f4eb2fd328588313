package booking

import (
	"testing"
	"time"
)

func TestLoadLocationCaches(t *testing.T) {
	a, err := loadLocation("Europe/Warsaw")
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadLocation("Europe/Warsaw")
	if err != nil || a != b {
		t.Fatalf("second load: %p %v, want the cached %p", b, err, a)
	}
	if got := time.Date(2026, 7, 1, 12, 0, 0, 0, a).UTC().Hour(); got != 10 {
		t.Fatalf("Warsaw noon in July is %d:00 UTC, want 10:00", got)
	}
	if _, err := loadLocation("Mars/Olympus_Mons"); err == nil {
		t.Fatal("an unknown zone loaded")
	}
	if _, ok := locations.Load("Mars/Olympus_Mons"); ok {
		t.Fatal("an unknown zone was cached")
	}
}
