package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

func TestResponseMedia(t *testing.T) {
	for _, c := range []struct{ accept, want string }{
		{"", mediaJSON},
		{"application/json", mediaJSON},
		{"*/*", mediaJSON},
		{"application/*", mediaJSON},
		{"application/graphql-response+json", mediaGraphQLResponse},
		{"application/graphql-response+json, application/json", mediaGraphQLResponse},
		{"multipart/mixed;deferSpec=20220824, application/graphql-response+json, application/json", mediaGraphQLResponse},
		{"application/json, application/graphql-response+json", mediaJSON},
		{"application/graphql-response+json;q=0, application/json", mediaJSON},
		{"text/html", mediaJSON},
		{"garbage;;", mediaJSON},
	} {
		if got := responseMedia(c.accept); got != c.want {
			t.Errorf("responseMedia(%q) = %s, want %s", c.accept, got, c.want)
		}
	}
}

func TestPostParams(t *testing.T) {
	for _, c := range []struct {
		body string
		ok   bool
	}{
		{`{"query":"{ a }"}`, true},
		{`{"query":"{ a }","operationName":null,"variables":null,"extensions":null}`, true},
		{`{"query":"query A { a }","operationName":"A","variables":{"n":1},"extensions":{"x":"y"}}`, true},
		{``, false},
		{`{ "not a JSON`, false},
		{`{"query":"{ a }"} {"query":"{ b }"}`, false}, // two values
		{`[{"query":"{ a }"}]`, false},                 // batches are not taken
		{`{"qeury":"{ a }"}`, false},
		{`{"query":""}`, false},
		{`{"query":1}`, false},
		{`{"query":{"obj":"ect"}}`, false},
		{`{"query":"{ a }","operationName":0}`, false},
		{`{"query":"{ a }","operationName":["a"]}`, false},
		{`{"query":"{ a }","variables":"string"}`, false},
		{`{"query":"{ a }","variables":[1]}`, false},
		{`{"query":"{ a }","extensions":false}`, false},
		{`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}`, true}, // a hash names the query
		{`{"query":"","extensions":{"persistedQuery":{"version":1,"sha256Hash":"ab"}}}`, true},
		{`{"extensions":{"other":1}}`, false},
		{`{"query":null,"extensions":null}`, false},
	} {
		p, msg := postParams([]byte(c.body))
		if (p != nil) != c.ok || (p == nil) == (msg == "") {
			t.Errorf("postParams(%s) = %v, %q; want ok %v", c.body, p, msg, c.ok)
		}
	}
	p, _ := postParams([]byte(`{"query":"q","variables":{"big":12345678901234567890}}`))
	if n, ok := p.Variables["big"].(json.Number); !ok || n.String() != "12345678901234567890" {
		t.Errorf("numbers not kept exact: %#v", p.Variables["big"])
	}
}

func TestGetParams(t *testing.T) {
	for _, c := range []struct {
		query string
		ok    bool
	}{
		{"query=%7B+a+%7D", true},
		{"query=%7B+a+%7D&variables=%7B%22n%22%3A1%7D&operationName=A", true},
		{"", false},
		{"query=%zz", false},
		{"query=%7B+a+%7D&variables=%7B", false},
		{"query=%7B+a+%7D&variables=%5B1%5D", false},
		{"query=%7B+a+%7D&extensions=1", false},
		{"extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22ab%22%7D%7D", true},
		{"extensions=%7B%7D", false},
	} {
		if p, _ := getParams(c.query); (p != nil) != c.ok {
			t.Errorf("getParams(%q) ok %v, want %v", c.query, p != nil, c.ok)
		}
	}
}

// FuzzRequestParams: whatever a client sends, the parameters are read or refused with a reason,
// never half-read.
func FuzzRequestParams(f *testing.F) {
	for _, s := range []string{`{"query":"{ a }"}`, `{"query":1}`, `{"query":"q","variables":{"a":[1,{"b":null}]}}`, `[]`, `{`, "query=%7B+a+%7D&variables=%7B%7D"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, read := range map[string]func(string) (*graphqlParams, string){
			"POST": func(s string) (*graphqlParams, string) { return postParams([]byte(s)) },
			"GET":  getParams,
		} {
			p, msg := read(s)
			if (p == nil) == (msg == "") || p != nil && p.Query == "" && p.Extensions["persistedQuery"] == nil {
				t.Fatalf("%s %q: params %v, reason %q", name, s, p, msg)
			}
		}
	})
}

type graphqlParams = graphql.RawParams

// writeResultCorpus are responses as gqlgen produces them (data already encoded) and the odd ones
// a transport must still encode the same way: HTML characters and line separators in strings,
// whitespace between tokens (gqlgen's Map scalar ends with a newline), escapes, errors with paths
// and extensions, no data, null data, and the incremental fields.
func writeResultCorpus() []*graphql.Response {
	yes := true
	errs := gqlerror.List{
		{Message: "slot <taken> & gone", Path: ast.Path{ast.PathName("createReservation"), ast.PathIndex(2)},
			Extensions: map[string]any{"code": "SLOT_UNAVAILABLE", "requestId": "abc", "field": "input.startsAt"}},
		{Message: "Zażółć gęślą jaźń \u2028 \u2029 \"quoted\" \\ back", Locations: []gqlerror.Location{{Line: 1, Column: 3}}},
	}
	data := []string{
		`{"availability":{"timeZone":"Europe/Warsaw","days":[{"date":"2026-03-03","slots":[]}]}}`,
		`{"a":"<script>alert('x')</script> & more","b":"\u2028\u2029","c":"\\u003c already escaped \" \\\\"}`,
		"{\"a\": 1,\n \"b\" :\t[ 1 , 2 ] ,\r\n\"c\": {\"d\": \"sp a ce\"}}\n",
		`{"emoji":"😀","pl":"Łódź","ctl":"\n\t\u0001","e2":"` + "\xe2\x82\xac" + `","e2end":"` + "\xe2\x80" + `"}`,
		`null`,
		``, // not JSON: refused by both
		`{"n":-1.5e10,"t":true,"f":false,"z":null,"deep":[[[[{"x":[]}]]]]}`,
	}
	var out []*graphql.Response
	out = append(out, &graphql.Response{}, &graphql.Response{Errors: errs}) // no data at all
	for _, d := range data {
		out = append(out,
			&graphql.Response{Data: json.RawMessage(d)},
			&graphql.Response{Data: json.RawMessage(d), Errors: errs},
			&graphql.Response{Data: json.RawMessage(d), Extensions: map[string]any{"cost": 12, "b<": "&"}},
			&graphql.Response{Data: json.RawMessage(d), Label: "l", Path: ast.Path{ast.PathName("a")}, HasNext: &yes},
		)
	}
	return out
}

// TestWriteResultMatchesEncodingJSON: the transport's response bytes are exactly those it wrote
// before it stopped encoding data twice (writeResponse: json.Marshal(resp)).
func TestWriteResultMatchesEncodingJSON(t *testing.T) {
	for i, resp := range writeResultCorpus() {
		var got, want bytes.Buffer
		writeResponse(&want, resp)
		writeResult(&got, resp)
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%d:\n got %s\nwant %s", i, got.Bytes(), want.Bytes())
		}
	}
}

// FuzzWriteResult: for any JSON data gqlgen could write (and any error message), the bytes equal
// the former transport's.
func FuzzWriteResult(f *testing.F) {
	for _, r := range writeResultCorpus() {
		f.Add(string(r.Data), "")
	}
	f.Add(`{"a":"b"}`, "an <error> & \u2028")
	f.Fuzz(func(t *testing.T, data, message string) {
		if !json.Valid([]byte(data)) {
			return
		}
		resp := &graphql.Response{Data: json.RawMessage(data)}
		if message != "" {
			resp.Errors = gqlerror.List{{Message: message}}
		}
		var got, want bytes.Buffer
		writeResponse(&want, resp)
		writeResult(&got, resp)
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("data %q:\n got %s\nwant %s", data, got.Bytes(), want.Bytes())
		}
	})
}

// BenchmarkWriteResult: a week of availability (~60 KB of data) written by the transport, against
// json.Marshal of the same response (the former transport).
func BenchmarkWriteResult(b *testing.B) {
	var data bytes.Buffer
	data.WriteString(`{"availability":{"timeZone":"Europe/Warsaw","days":[`)
	for d := range 7 {
		if d > 0 {
			data.WriteByte(',')
		}
		data.WriteString(`{"date":"2026-03-0` + string(rune('3'+d)) + `","slots":[`)
		for s := range 32 {
			if s > 0 {
				data.WriteByte(',')
			}
			data.WriteString(`{"startsAt":"2026-03-03T08:00:00Z","endsAt":"2026-03-03T08:30:00Z","localStart":"09:00","staff":[{"staffMember":{"id":"0b0e6c2a-6f7e-4d0e-9f1e-3a1f1c2d3e4f","name":"Anna Nowak"},"seatsLeft":1}]}`)
		}
		data.WriteString(`]}`)
	}
	data.WriteString(`]}}`)
	resp := &graphql.Response{Data: data.Bytes()}
	b.Run("writeResult", func(b *testing.B) {
		b.SetBytes(int64(data.Len()))
		b.ReportAllocs()
		for b.Loop() {
			writeResult(io.Discard, resp)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.SetBytes(int64(data.Len()))
		b.ReportAllocs()
		for b.Loop() {
			writeResponse(io.Discard, resp)
		}
	})
}
