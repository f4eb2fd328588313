package web_test

import "testing"

// TestWidgetJourneys runs the widget's browser journeys one after another on one server (Chromium
// is heavy; the journeys use slots of their own).
func TestWidgetJourneys(t *testing.T) {
	b := newBrowserEnv(t)
	t.Run("smoke", func(t *testing.T) { b.journey(t, "smoke") })
}
