package sms

import "testing"

func TestSenderProblem(t *testing.T) {
	t.Parallel()
	for name, ok := range map[string]bool{
		"Salon":        true,
		"SALON-ANNA":   true,
		"Dr.Kowalski":  true,
		"Salon Anna":   true,
		"A1":           true,
		"12345678901":  false, // all digits: a number, not a name
		"":             false,
		"Salon Zdrój":  false, // a Polish letter
		"SalonKosmety": false, // 12 characters
		" Salon":       false,
		"Salon_Anna":   false,
		"Salon!":       false,
	} {
		if got := SenderProblem(name) == ""; got != ok {
			t.Errorf("SenderProblem(%q) = %q; want ok=%v", name, SenderProblem(name), ok)
		}
	}
}

func TestE164(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"600 100 200":      "+48600100200",
		"+48 600-100-200":  "+48600100200",
		"0048600100200":    "+48600100200",
		"+44 20 7946 0958": "+442079460958",
		"12345":            "",
		"":                 "",
		"060010020":        "",
	} {
		got, ok := E164(in)
		if got != want || ok != (want != "") {
			t.Errorf("E164(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
