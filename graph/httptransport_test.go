package graph

import (
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
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
