package i18n

import (
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/apperr"
)

func TestChoose(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, accept, business, want string
	}{
		{"nothing known", "", "", English},
		{"the client asks for Polish", "pl", "", Polish},
		{"the client asks for Polish with a region", "pl-PL,pl;q=0.9,en;q=0.8", "en-GB", Polish},
		{"the client prefers English over the business", "en-US,en;q=0.9", "pl-PL", English},
		{"an unsupported language then Polish", "de-DE,de;q=0.9,pl;q=0.5", "", Polish},
		{"only unsupported languages: the business decides", "de-DE,fr;q=0.5", "pl-PL", Polish},
		{"no header: the business decides", "", "pl-PL", Polish},
		{"an unsupported business locale", "", "de-DE", English},
		{"a malformed header", ";;;q=x", "pl-PL", Polish},
		{"nothing asked", "", "", English},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			asked := false
			got := Choose(c.accept, func() string { asked = true; return c.business })
			if got != c.want {
				t.Fatalf("Choose(%q, %q) = %q, want %q", c.accept, c.business, got, c.want)
			}
			if asked && match(c.accept) != "" {
				t.Fatal("the business's locale was read although the client's header decided")
			}
		})
	}
}

// Every sub-code and every code has a message in every locale, and every finer message is
// translated into every locale it is looked up in: a missing translation fails here, not in front
// of a customer.
func TestEveryReasonIsTranslated(t *testing.T) {
	t.Parallel()
	complete := func(what string, texts translations, locales []string) {
		t.Helper()
		for _, l := range locales {
			if len(texts[l]) == 0 || strings.TrimSpace(texts[l][0]) == "" {
				t.Errorf("%s: no %s message", what, l)
			}
			if len(texts[l]) != len(texts[English]) && texts[English] != nil {
				t.Errorf("%s: %d %s templates, %d English", what, len(texts[l]), l, len(texts[English]))
			}
		}
	}
	for _, r := range apperr.Reasons {
		complete(string(r), byReason[r], Locales)
		// The last template of a reason needs no parameters: a message is never left without one.
		for _, l := range Locales {
			if m, ok := render(byReason[r][l][len(byReason[r][l])-1:], nil); !ok || strings.Contains(m, "{") {
				t.Errorf("%s: %s has no message without parameters", r, l)
			}
		}
	}
	for _, c := range Codes {
		complete(string(c), byCode[c], Locales)
	}
	for k, texts := range byField {
		complete(string(k.reason)+" "+k.field, texts, Locales)
	}
	for msg, texts := range byMessage {
		complete(msg, texts, Locales[1:]) // English is the key itself
	}
}

func TestMessage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, locale string
		err          *apperr.Error
		want         string
	}{
		{"English is the domain's text", English, apperr.Input("customer.name", apperr.Required, "name is required"), "name is required"},
		{"a field's own message", Polish, apperr.Input("customer.name", apperr.Required, "name is required"), "Podaj imię i nazwisko."},
		{"the edge's path finds the same message", Polish, apperr.Input("input.customer.email", apperr.InvalidFormat, "e-mail address is not valid"), "Adres e-mail jest nieprawidłowy."},
		{"list indices do not matter", Polish, apperr.Input("intervals.3.weekday", apperr.NotAllowed, "unknown weekday"), "Nieznany dzień tygodnia."},
		{"a reason's message with its parameter", Polish, apperr.Input("note", apperr.TooLong, "must be at most 2000 characters").With("max", 2000), "Wartość może mieć co najwyżej 2000 znaków."},
		{"plural of 2–4", Polish, apperr.Input("phone", apperr.TooLong, "").With("max", 32), "Wartość może mieć co najwyżej 32 znaki."},
		{"plural of 12–14", Polish, apperr.Input("phone", apperr.TooLong, "").With("max", 12), "Wartość może mieć co najwyżej 12 znaków."},
		{"plural of 1", Polish, apperr.Input("x", apperr.TooShort, "").With("min", 1), "Wartość musi mieć co najmniej 1 znak."},
		{"a range", Polish, apperr.Input("capacity", apperr.OutOfRange, "must be between 1 and 1000").With("min", 1).With("max", 1000), "Wartość musi mieścić się w zakresie od 1 do 1000."},
		{"a reason's message without its parameters", Polish, apperr.Input("capacity", apperr.OutOfRange, "too big"), "Wartość jest poza dozwolonym zakresem."},
		{"a sentinel by its text", Polish, apperr.New(apperr.BadUserInput, "the start time is in the past").WithField("startsAt"), "Godzina rozpoczęcia już minęła."},
		{"a code's message", Polish, apperr.New(apperr.NotFound, "refund not found"), "Nie znaleziono."},
		{"an unknown code keeps its text", Polish, apperr.New("SOMETHING_NEW", "something new"), "something new"},
		{"English without a text", English, apperr.Input("x", apperr.Required, ""), "this field is required"},
		{"an unsupported locale is the code's text", "de", apperr.New(apperr.Forbidden, "not yours"), "not yours"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := Message(c.locale, c.err); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}
