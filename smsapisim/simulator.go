// Package smsapisim is a local SMSAPI.pl: POST /sms.do as SMSAPI answers it (bearer token, the
// form fields, format=json or the plain "OK:"/"ERROR:" answer, its error codes, idx with
// check_idx), a store of the messages it accepted, faults to inject (an error code or an HTTP
// status for the next requests, for retry and dead-letter tests), and a development page listing
// what it received. slotpay mounts it under /_smsapi in development; tests start it as a real HTTP
// server (httptest). See docs/sms.md.
package smsapisim

import (
	"crypto/subtle"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/slotpay/slotpay/services/sms"
)

// Config sets up a stand-in.
type Config struct {
	// Tokens are the accounts' OAuth tokens it accepts; each is an account of its own.
	Tokens []string
	// Senders are the sender names registered and approved (besides "Test" and "Info", SMSAPI's
	// defaults, which every account has). Nil accepts any name that follows SMSAPI's rules.
	Senders []string
	// Points is each account's balance; a part costs PointsPerPart (0.16, a Polish SMS PRO). Zero
	// or less: unlimited.
	Points float64
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// PointsPerPart is what a part costs.
const PointsPerPart = 0.16

// maxParts is the longest message the stand-in takes (SMSAPI's limit is of the same order; a
// longer one is error 11).
const maxParts = 10

// Message is one message the stand-in accepted.
type Message struct {
	ID string `json:"id"`
	// Token is the last four characters of the token that sent it (which account).
	Account string `json:"account"`
	// Number is the recipient as SMSAPI writes it (48600100200); SubmittedNumber as it was sent.
	Number          string    `json:"number"`
	SubmittedNumber string    `json:"submitted_number"`
	From            string    `json:"from"`
	Text            string    `json:"message"`
	Encoding        string    `json:"encoding"`
	Length          int       `json:"length"`
	Parts           int       `json:"parts"`
	Points          float64   `json:"points"`
	Idx             string    `json:"idx,omitempty"`
	Status          string    `json:"status"`
	At              time.Time `json:"date_sent"`
}

// Fault makes the next Count requests to /sms.do fail: with SMSAPI's Error code (a JSON error
// answer), or with HTTP Status and no JSON (a proxy's 503), whichever is set.
type Fault struct {
	Count  int `json:"count"`
	Error  int `json:"error,omitempty"`
	Status int `json:"status,omitempty"`
}

// Simulator is a stand-in SMSAPI; an http.Handler safe for concurrent use.
type Simulator struct {
	cfg Config
	mux *http.ServeMux

	mu       sync.Mutex
	tokens   map[string]float64 // token → points left (ignored when cfg.Points ≤ 0)
	messages []Message
	idx      map[string]string // account token + idx → message id
	faults   []Fault
	requests int
	seq      int
}

//go:embed templates/*.html
var templates embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"hint": hint,
}).ParseFS(templates, "templates/*.html"))

// New builds a stand-in.
func New(cfg Config) *Simulator {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Simulator{cfg: cfg, tokens: map[string]float64{}, idx: map[string]string{}}
	for _, t := range cfg.Tokens {
		s.tokens[t] = cfg.Points
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/sms.do", s.smsDo)
	s.mux.HandleFunc("GET /profile", s.profile)
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "_sim/") // relative, so it also works under a mount prefix
		w.WriteHeader(http.StatusFound)
	})
	s.mux.HandleFunc("GET /_sim/{$}", s.dashboard)
	s.mux.HandleFunc("GET /_sim/messages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"messages": s.Messages()})
	})
	s.mux.HandleFunc("DELETE /_sim/messages", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	s.mux.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&f); err != nil || f.Count < 1 || (f.Error == 0) == (f.Status == 0) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"count":N,"error":CODE} or {"count":N,"status":HTTP_STATUS}`})
			return
		}
		s.Fail(f)
		w.WriteHeader(http.StatusNoContent)
	})
	s.mux.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.faults = nil
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	return s
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// AddToken opens another account.
func (s *Simulator) AddToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = s.cfg.Points
}

// SetPoints sets an account's balance.
func (s *Simulator) SetPoints(token string, points float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = points
	s.cfg.Points = max(s.cfg.Points, 0.0001) // balances now count
}

// Fail queues a fault for the next requests.
func (s *Simulator) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// Messages is every message accepted, oldest first.
func (s *Simulator) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// Requests is how many requests /sms.do answered (faults and refusals included).
func (s *Simulator) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Reset forgets messages, faults and idx values.
func (s *Simulator) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages, s.faults, s.idx, s.requests = nil, nil, map[string]string{}, 0
}

// apiError is one of SMSAPI's error codes with its message (the English wording of SMSAPI's error
// table; see services/sms/smsapi.go for the sources).
type apiError struct {
	code    int
	message string
}

var (
	errAuth      = apiError{101, "Authorization failed"}
	errMessage   = apiError{11, "Message too long or there is no message"}
	errNumbers   = apiError{13, "No correct phone numbers"}
	errSender    = apiError{14, "Sender name is not valid"}
	errParams    = apiError{18, "Invalid number of parameters"}
	errPoints    = apiError{103, "Not enough points"}
	errIdx       = apiError{53, "Not unique idx parameter, message with the same idx has been already sent"}
	errIdxLong   = apiError{27, "Too long IDX parameter. Maximum 255 chars"}
	errNormalize = apiError{25, "Parameters &normalize and &datacoding mustn't appear in the same request"}
)

func (s *Simulator) smsDo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.count()
		answerError(w, true, errParams)
		return
	}
	jsonAnswer := r.Form.Get("format") == "json"
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if len(s.faults) > 0 {
		f := &s.faults[0]
		if f.Count--; f.Count <= 0 {
			s.faults = s.faults[1:]
		}
		if f.Status != 0 {
			http.Error(w, http.StatusText(f.Status), f.Status)
			return
		}
		answerError(w, jsonAnswer, apiError{f.Error, "simulated error " + strconv.Itoa(f.Error)})
		return
	}
	token, ok := s.token(r)
	if !ok {
		answerError(w, jsonAnswer, errAuth)
		return
	}
	text := r.Form.Get("message")
	if r.Form.Get("normalize") != "" && r.Form.Get("datacoding") != "" {
		answerError(w, jsonAnswer, errNormalize)
		return
	}
	if enc := strings.ToLower(r.Form.Get("encoding")); enc != "" && enc != "utf-8" && enc != "utf8" {
		// Other character sets (windows-1250, iso-8859-2…) are SMSAPI's too; the stand-in speaks
		// only UTF-8, so any other is refused loudly rather than decoded wrongly.
		answerError(w, jsonAnswer, apiError{18, "the stand-in accepts encoding=utf-8 only"})
		return
	}
	if !utf8.ValidString(text) {
		answerError(w, jsonAnswer, errMessage)
		return
	}
	if r.Form.Get("normalize") == "1" {
		text = sms.Transliterate(text)
	}
	seg := sms.Count(text)
	if text == "" || seg.Parts > maxParts {
		answerError(w, jsonAnswer, errMessage)
		return
	}
	numbers := strings.Split(r.Form.Get("to"), ",")
	var valid []string
	var submitted []string
	for _, n := range numbers {
		if normalized, ok := normalizeNumber(n); ok {
			valid = append(valid, normalized)
			submitted = append(submitted, strings.TrimSpace(n))
		}
	}
	if len(valid) == 0 {
		answerError(w, jsonAnswer, errNumbers)
		return
	}
	from := r.Form.Get("from")
	if from == "" {
		from = "Info"
	} else if !s.senderAccepted(from) {
		answerError(w, jsonAnswer, errSender)
		return
	}
	idx := r.Form.Get("idx")
	if len(idx) > 255 {
		answerError(w, jsonAnswer, errIdxLong)
		return
	}
	if idx != "" && r.Form.Get("check_idx") == "1" {
		if _, seen := s.idx[token+"\x00"+idx]; seen {
			answerError(w, jsonAnswer, errIdx)
			return
		}
	}
	cost := PointsPerPart * float64(seg.Parts*len(valid))
	if s.cfg.Points > 0 && s.tokens[token] < cost {
		answerError(w, jsonAnswer, errPoints)
		return
	}
	if s.cfg.Points > 0 {
		s.tokens[token] -= cost
	}
	now := s.cfg.Now().UTC()
	var list []Message
	for i, number := range valid {
		s.seq++
		m := Message{
			ID: fmt.Sprintf("%08X%016X", now.Unix(), s.seq), Account: hint(token), Number: number,
			SubmittedNumber: submitted[i], From: from, Text: text, Encoding: string(seg.Encoding),
			Length: seg.Characters, Parts: seg.Parts, Points: PointsPerPart * float64(seg.Parts), Idx: idx,
			Status: "QUEUE", At: now,
		}
		s.messages = append(s.messages, m)
		list = append(list, m)
	}
	if idx != "" {
		s.idx[token+"\x00"+idx] = list[0].ID
	}
	if !jsonAnswer {
		// Without format=json sms.do answers "OK:<id>:<points>" (one line a message).
		var b strings.Builder
		for _, m := range list {
			fmt.Fprintf(&b, "OK:%s:%.2f\n", m.ID, m.Points)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(strings.TrimSuffix(b.String(), "\n")))
		return
	}
	details := r.Form.Get("details") == "1"
	items := make([]map[string]any, 0, len(list))
	for _, m := range list {
		item := map[string]any{"id": m.ID, "points": m.Points, "number": m.Number, "date_sent": m.At.Unix(),
			"submitted_number": m.SubmittedNumber, "status": m.Status, "idx": nullable(m.Idx)}
		if details {
			item["message"], item["length"], item["parts"] = m.Text, m.Length, m.Parts
		}
		items = append(items, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(items), "list": items})
}

// profile answers GET /profile: the account of the bearer token, or 401 (the REST endpoints answer
// a refused token with HTTP 401 and a string error code; the exact wording is ours).
func (s *Simulator) profile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	token, ok := s.token(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "authorization_failed", "message": "Authorization failed"})
		return
	}
	points := s.tokens[token]
	if s.cfg.Points <= 0 {
		points = 1000
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": "Stand-in account", "username": "standin" + hint(token)[len("••••"):],
		"payment_type": "prepaid", "user_type": "native", "points": points})
}

func (s *Simulator) count() {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
}

// token is the bearer token of r when it is an account's (compared in constant time).
func (s *Simulator) token(r *http.Request) (string, bool) {
	auth := r.Header.Get("Authorization")
	given, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || given == "" {
		return "", false
	}
	for t := range s.tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(given)) == 1 {
			return t, true
		}
	}
	return "", false
}

func (s *Simulator) senderAccepted(from string) bool {
	if from == "Test" || from == "Info" {
		return true
	}
	if sms.SenderProblem(from) != "" {
		return false
	}
	return s.cfg.Senders == nil || slices.Contains(s.cfg.Senders, from)
}

// normalizeNumber is a number as SMSAPI writes it: the country code and the subscriber's number,
// digits only ("48600100200"); nine digits are a Polish number. Landlines are not told apart.
func normalizeNumber(n string) (string, bool) {
	n = strings.TrimSpace(n)
	n = strings.TrimPrefix(n, "+")
	if strings.HasPrefix(n, "00") {
		n = n[2:]
	}
	if n == "" || strings.Trim(n, "0123456789") != "" || n[0] == '0' {
		return "", false
	}
	switch {
	case len(n) == 9:
		return "48" + n, true
	case len(n) >= 10 && len(n) <= 15:
		if strings.HasPrefix(n, "48") && len(n) != 11 {
			return "", false
		}
		return n, true
	}
	return "", false
}

func answerError(w http.ResponseWriter, jsonAnswer bool, e apiError) {
	if !jsonAnswer {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ERROR:" + strconv.Itoa(e.code)))
		return
	}
	// sms.do answers its refusals with HTTP 200 and the error in the body, which the official
	// clients read whatever the status.
	writeJSON(w, http.StatusOK, map[string]any{"error": e.code, "message": e.message, "invalid_numbers": []any{}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// hint is the last four characters of a token.
func hint(token string) string {
	if len(token) <= 4 {
		return "••••"
	}
	return "••••" + token[len(token)-4:]
}

func (s *Simulator) dashboard(w http.ResponseWriter, r *http.Request) {
	msgs := s.Messages()
	slices.Reverse(msgs)
	s.mu.Lock()
	faults := slices.Clone(s.faults)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := pages.ExecuteTemplate(w, "dashboard.html", map[string]any{"Messages": msgs, "Faults": faults}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
