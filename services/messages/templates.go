package messages

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Facts are a message's placeholders' values ("businessName" → "Salon Ewa"), computed at delivery
// from the business, the reservation, the payment and the message's own Data.
type Facts map[string]string

// Template is the built-in wording of one kind of message on one channel, in Polish and English:
// Subject (EMAIL only) and Body with {placeholder}s. Placeholders lists what the kind's facts hold
// (besides the common ones every message has, CommonPlaceholders); the built-in texts and a
// business's own wording may use only those.
type Template struct {
	Kind    Kind
	Channel ChannelName
	Subject map[string]string
	Body    map[string]string
	// Placeholders are the kind's own placeholders beyond CommonPlaceholders (and, for a kind about
	// a reservation, ReservationPlaceholders).
	Placeholders []string
	// Reservation: the kind is about a reservation; its facts and placeholders are there.
	Reservation bool
	// Wanted, when set, decides at delivery from the facts whether the message is still wanted (a
	// reminder of a visit that was cancelled or moved is not): false skips it (SKIPPED).
	Wanted func(f Facts) bool
	// Sample are example values of the kind's own placeholders, for the preview.
	Sample Facts
}

// AttachmentFunc builds the attachments of a delivery (a calendar file); it runs after the message
// is rendered and before it is marked SENDING, so its error is an attempt's failure (retried).
type AttachmentFunc func(ctx context.Context, d *Delivery) ([]Attachment, error)

// CommonPlaceholders every message may use.
var CommonPlaceholders = []string{"businessName", "businessEmail", "businessPhone", "businessAddress", "recipientName"}

// ReservationPlaceholders every message about a reservation may use.
var ReservationPlaceholders = []string{"customerName", "serviceName", "staffName", "startsAt", "date", "time", "endsAt",
	"duration", "price", "manageLink", "status", "balanceDue"}

type templateKey struct {
	kind    Kind
	channel ChannelName
}

var registry = struct {
	sync.RWMutex
	templates   map[templateKey]Template
	attachments map[Kind][]AttachmentFunc
}{templates: map[templateKey]Template{}, attachments: map[Kind][]AttachmentFunc{}}

// Register adds the built-in template of a kind on a channel (call it from an init function). It
// panics on a template that names a placeholder its kind does not have, lacks Polish or English, or
// is registered twice: those are programming errors.
func Register(t Template) {
	if t.Kind == "" || t.Channel == "" {
		panic("messages: Register without a kind or channel")
	}
	allowed := t.allowed()
	for _, loc := range []string{"pl", "en"} {
		if t.Body[loc] == "" || (t.Channel == Email && t.Subject[loc] == "") {
			panic(fmt.Sprintf("messages: template %s/%s has no %s text", t.Kind, t.Channel, loc))
		}
		for _, s := range []string{t.Subject[loc], t.Body[loc]} {
			if bad := unknownPlaceholders(s, allowed); len(bad) > 0 {
				panic(fmt.Sprintf("messages: template %s/%s (%s) uses unknown placeholders %v", t.Kind, t.Channel, loc, bad))
			}
		}
	}
	registry.Lock()
	defer registry.Unlock()
	k := templateKey{t.Kind, t.Channel}
	if _, dup := registry.templates[k]; dup {
		panic(fmt.Sprintf("messages: template %s/%s registered twice", t.Kind, t.Channel))
	}
	registry.templates[k] = t
}

// RegisterAttachments adds fn to the attachment builders of kind's e-mails (call it from an init
// function or before the server starts): e.g. the calendar file of a booking confirmation.
func RegisterAttachments(kind Kind, fn AttachmentFunc) {
	registry.Lock()
	defer registry.Unlock()
	registry.attachments[kind] = append(registry.attachments[kind], fn)
}

// Lookup returns the built-in template of kind on channel.
func Lookup(kind Kind, channel ChannelName) (Template, bool) {
	registry.RLock()
	defer registry.RUnlock()
	t, ok := registry.templates[templateKey{kind, channel}]
	return t, ok
}

// Templates lists the registered templates, by kind then channel.
func Templates() []Template {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]Template, 0, len(registry.templates))
	for _, t := range registry.templates {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Channel < out[j].Channel
	})
	return out
}

// channelsOf are the channels with a template of kind: EMAIL first.
func channelsOf(kind Kind) []ChannelName {
	registry.RLock()
	defer registry.RUnlock()
	var out []ChannelName
	for k := range registry.templates {
		if k.kind == kind {
			out = append(out, k.channel)
		}
	}
	slices.SortFunc(out, func(a, b ChannelName) int {
		switch {
		case a == b:
			return 0
		case a == Email:
			return -1
		case b == Email:
			return 1
		}
		return strings.Compare(string(a), string(b))
	})
	return out
}

func attachmentsOf(kind Kind) []AttachmentFunc {
	registry.RLock()
	defer registry.RUnlock()
	return slices.Clone(registry.attachments[kind])
}

// allowed is every placeholder t's texts may use.
func (t Template) allowed() []string {
	out := slices.Clone(CommonPlaceholders)
	if t.Reservation {
		out = append(out, ReservationPlaceholders...)
	}
	return append(out, t.Placeholders...)
}

// Placeholders of a text: {name}, name a letter then letters or digits. Any other brace is text.
var placeholderRE = regexp.MustCompile(`\{([a-zA-Z][a-zA-Z0-9]*)\}`)

// unknownPlaceholders are the placeholders of s not in allowed, in order of appearance, once each.
func unknownPlaceholders(s string, allowed []string) []string {
	var bad []string
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(allowed, m[1]) && !slices.Contains(bad, m[1]) {
			bad = append(bad, m[1])
		}
	}
	return bad
}

// fill replaces s's placeholders by facts' values (a missing one by nothing).
func fill(s string, f Facts) string {
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		return f[m[1:len(m)-1]]
	})
}

// Wording is the subject and body a message is written from (the built-in or the business's own).
type Wording struct {
	Subject string
	Body    string
}

// Rendered is a message's final text.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// Render fills w with f: the subject on one line, the text, and the text as HTML (escaped, its
// paragraphs and lines kept, its links clickable).
func Render(w Wording, f Facts) Rendered {
	subject := strings.Join(strings.Fields(fill(w.Subject, f)), " ")
	text := strings.TrimSpace(fill(w.Body, f))
	return Rendered{Subject: subject, Text: text, HTML: textToHTML(text)}
}
