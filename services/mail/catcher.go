package mail

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/messages"
)

// Catcher is the EMAIL channel of a development server without SMTP: it builds every e-mail exactly
// as SMTP would send it (Build) and keeps the newest ones in memory, listed at /_mail. Production
// never uses it.
type Catcher struct {
	From, FromName string
	Max            int

	mu   sync.Mutex
	list []Caught // newest first
}

// Caught is one e-mail the Catcher kept.
type Caught struct {
	ID        uuid.UUID
	MessageID string
	At        time.Time
	To        string
	Subject   string
	Text      string
	HTML      string
	Raw       []byte
	Files     []string
}

// Name is EMAIL.
func (c *Catcher) Name() messages.ChannelName { return messages.Email }

// Deliver keeps d.
func (c *Catcher) Deliver(_ context.Context, d *messages.Delivery) (string, error) {
	m, id, err := Build(d, c.From, c.FromName)
	if err != nil {
		return "", fmt.Errorf("%w: %w", messages.ErrPermanent, err)
	}
	var raw bytes.Buffer
	if _, err := m.WriteTo(&raw); err != nil {
		return "", err
	}
	got := Caught{ID: d.ID, MessageID: id, At: time.Now().UTC(), To: d.Recipient, Subject: d.Subject, Text: d.Text, HTML: d.HTML, Raw: raw.Bytes()}
	for _, a := range d.Attachments {
		got.Files = append(got.Files, a.Name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append([]Caught{got}, c.list...)
	if max := c.max(); len(c.list) > max {
		c.list = c.list[:max]
	}
	return id, nil
}

func (c *Catcher) max() int {
	if c.Max > 0 {
		return c.Max
	}
	return 200
}

// Messages are the kept e-mails, newest first.
func (c *Catcher) Messages() []Caught {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Caught(nil), c.list...)
}

var catcherPage = template.Must(template.New("mail").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>slotpay: caught e-mails</title></head>
<body style="font-family:sans-serif">
<h1>E-mails sent by this development server</h1>
<p>No SMTP server is configured (SLOTPAY_SMTP_HOST), so e-mails are kept here, newest first, as they would have been sent.</p>
<table border="1" cellpadding="4" style="border-collapse:collapse">
<tr><th>time (UTC)</th><th>to</th><th>subject</th><th>attachments</th><th></th></tr>
{{range .}}<tr><td>{{.At.Format "2006-01-02 15:04:05"}}</td><td>{{.To}}</td><td>{{.Subject}}</td><td>{{range .Files}}{{.}} {{end}}</td>
<td><a href="/_mail/{{.ID}}">text</a> <a href="/_mail/{{.ID}}/raw">raw</a></td></tr>
{{else}}<tr><td colspan="5">none yet</td></tr>{{end}}
</table></body></html>`))

// ServeHTTP serves the list (/_mail/), one e-mail's text (/_mail/<id>) and its raw source
// (/_mail/<id>/raw), under a prefix stripped by the caller.
func (c *Catcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	id, part, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if id == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = catcherPage.Execute(w, c.Messages())
		return
	}
	for _, m := range c.Messages() {
		if m.ID.String() != id {
			continue
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if part == "raw" {
			_, _ = w.Write(m.Raw)
		} else {
			_, _ = fmt.Fprintf(w, "To: %s\nSubject: %s\n\n%s\n", m.To, m.Subject, m.Text)
		}
		return
	}
	http.NotFound(w, r)
}
