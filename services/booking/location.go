package booking

import (
	"sync"
	"time"
)

// locations caches time.LoadLocation, which reads and parses the zone's tzdata file on every call
// (~60 µs here): a booking and an availability query each need their business's zone. Zones do
// not change while the process runs; an unknown name is not cached.
var locations sync.Map // string → *time.Location

func loadLocation(name string) (*time.Location, error) {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	actual, _ := locations.LoadOrStore(name, loc)
	return actual.(*time.Location), nil
}
