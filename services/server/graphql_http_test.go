package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/slotpay/slotpay/services/server/servertest"
)

// The cases of graphql-http's server audit (github.com/graphql/graphql-http, src/audits/server.ts),
// MUST and SHOULD, ported: each a request and what its answer must be.
const (
	jsonMedia = "application/json"
	grjMedia  = "application/graphql-response+json"
)

type dataEntry int

const (
	dataAny dataEntry = iota
	dataAbsent
	dataPresent
)

type auditCase struct {
	id, name    string
	method      string
	contentType string // "" sends none
	accept      string // "" sends none
	body        string // POST body, or GET query string
	status      int    // exact; 0 with min and max for a range
	min, max    int
	media       string // the response's media type, when checked
	errors      *bool  // errors entry present (nil: not checked)
	data        dataEntry
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func auditCases() []auditCase {
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	typename := js(map[string]any{"query": "{ __typename }"})
	cases := []auditCase{
		{id: "22EB", name: "SHOULD accept graphql-response+json and match the content-type", method: "POST", contentType: jsonMedia, accept: grjMedia, body: typename, status: 200, media: grjMedia},
		{id: "4655", name: "MUST accept application/json and match the content-type", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: typename, status: 200, media: jsonMedia},
		{id: "47DE", name: "SHOULD accept */* and use application/json", method: "POST", contentType: jsonMedia, accept: "*/*", body: typename, status: 200, media: jsonMedia},
		{id: "80D8", name: "SHOULD assume application/json when accept is missing", method: "GET", body: "query=" + url.QueryEscape("{ __typename }"), status: 200, media: jsonMedia},
		{id: "82A3", name: "MUST use utf-8 encoding when responding", method: "POST", contentType: jsonMedia, body: typename, status: 200},
		{id: "BF61", name: "MUST accept utf-8 encoded request", method: "POST", contentType: jsonMedia + "; charset=utf-8", body: typename, status: 200},
		{id: "78D5", name: "MUST assume utf-8 in request if encoding is unspecified", method: "POST", contentType: jsonMedia, body: typename, status: 200},
		{id: "2C94", name: "MUST accept POST requests", method: "POST", contentType: jsonMedia, body: typename, status: 200, errors: no(), data: dataPresent},
		{id: "5A70", name: "MAY accept GET requests", method: "GET", body: "query=" + url.QueryEscape("{ __typename }"), status: 200},
		{id: "9C48", name: "MUST NOT allow executing mutations on GET requests", method: "GET", accept: grjMedia, body: "query=" + url.QueryEscape("mutation { __typename }"), min: 400, max: 499},
		{id: "9ABE", name: "SHOULD respond with 4xx if content-type is not supplied on POST", method: "POST", min: 400, max: 499},
		{id: "7267", name: "MUST require a request body on POST", method: "POST", contentType: jsonMedia, media: jsonMedia, errors: yes(), data: dataAbsent},
		{id: "6610", name: "SHOULD use 400 on missing {query} with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: js(map[string]any{"notquery": "{ __typename }"}), status: 400, data: dataAbsent},
		{id: "3715", name: "SHOULD use 200 with errors on missing {query} with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: js(map[string]any{"notquery": "{ __typename }"}), status: 200, errors: yes(), data: dataAbsent},
		{id: "34A2", name: "SHOULD allow string {query} with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: typename, status: 200},
		{id: "13EE", name: "MUST allow string {query} with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: typename, status: 200, errors: no()},
		{id: "8161", name: "SHOULD allow string {operationName} with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: js(map[string]any{"operationName": "Query", "query": "query Query { __typename }"}), status: 200},
		{id: "B8B3", name: "MUST allow string {operationName} with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: js(map[string]any{"operationName": "Query", "query": "query Query { __typename }"}), status: 200, errors: no()},
		{id: "2EA1", name: "SHOULD allow map {variables} with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: js(map[string]any{"query": "query Echo($s: Boolean!) { __typename @include(if: $s) }", "variables": map[string]any{"s": true}}), status: 200},
		{id: "28B9", name: "MUST allow map {variables} with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: js(map[string]any{"query": "query Echo($s: Boolean!) { __typename @include(if: $s) }", "variables": map[string]any{"s": true}}), status: 200, errors: no()},
		{id: "D6D5", name: "MAY allow URL-encoded JSON {variables} in GETs with graphql-response+json", method: "GET", accept: grjMedia, body: "query=" + url.QueryEscape("query Echo($s: Boolean!) { __typename @include(if: $s) }") + "&variables=" + url.QueryEscape(`{"s":true}`), status: 200},
		{id: "6A70", name: "MAY allow URL-encoded JSON {variables} in GETs with application/json", method: "GET", accept: jsonMedia, body: "query=" + url.QueryEscape("query Echo($s: Boolean!) { __typename @include(if: $s) }") + "&variables=" + url.QueryEscape(`{"s":true}`), status: 200, errors: no()},
		{id: "428F", name: "SHOULD allow map {extensions} with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: js(map[string]any{"query": "{ __typename }", "extensions": map[string]any{"some": "value"}}), status: 200},
		{id: "1B7A", name: "MUST allow map {extensions} with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: js(map[string]any{"query": "{ __typename }", "extensions": map[string]any{"some": "value"}}), status: 200, errors: no()},
		{id: "D477", name: "SHOULD use 200 on JSON parsing failure with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: `{ "not a JSON`, status: 200, errors: yes(), data: dataAbsent},
		{id: "F5AF", name: "SHOULD use 200 if parameters are invalid with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: js(map[string]any{"qeury": "{ __typename }"}), status: 200, errors: yes()},
		{id: "572B", name: "SHOULD use 200 on document parsing failure with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: js(map[string]any{"query": "{"}), status: 200, errors: yes(), data: dataAbsent},
		{id: "FDE2", name: "SHOULD use 200 on document validation failure with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: js(map[string]any{"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"}), status: 200, errors: yes(), data: dataAbsent},
		{id: "7B9B", name: "SHOULD use 200 on variable coercion failure with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: js(map[string]any{"query": "query CoerceFailure($id: ID!) { __typename }", "variables": map[string]any{"id": nil}}), status: 200, errors: yes(), data: dataAbsent},
		{id: "60AA/2163", name: "SHOULD use 400 on JSON parsing failure with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: `{ "not a JSON`, status: 400, data: dataAbsent},
		{id: "3E36/17C5/34D6", name: "SHOULD use 400 and no data if parameters are invalid with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: js(map[string]any{"qeury": "{ __typename }"}), status: 400, media: grjMedia, errors: yes(), data: dataAbsent},
		{id: "865D/556A/D586", name: "SHOULD use 400 and no data on document parsing failure with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: js(map[string]any{"query": "{"}), status: 400, media: grjMedia, errors: yes(), data: dataAbsent},
		{id: "51FE/74FF/5E5B", name: "SHOULD use 400 and no data on document validation failure with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: js(map[string]any{"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"}), status: 400, media: grjMedia, errors: yes(), data: dataAbsent},
		{id: "QVf0/DbyT/IHhb", name: "SHOULD use 400 and no data on variable coercion failure with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: js(map[string]any{"query": "query CoerceFailure($id: ID!) { __typename }", "variables": map[string]any{"id": nil}}), status: 400, errors: yes(), data: dataAbsent},
	}
	invalid := []struct {
		kind  string
		value any
	}{{"object", map[string]any{"obj": "ect"}}, {"number", 0}, {"boolean", false}, {"array", []any{"array"}}, {"string", "string"}}
	for _, param := range []string{"query", "operationName", "variables", "extensions"} {
		for _, v := range invalid {
			if v.kind == "string" && (param == "query" || param == "operationName") {
				continue // a string is what these take
			}
			if v.kind == "object" && (param == "variables" || param == "extensions") {
				continue
			}
			body := map[string]any{"query": "{ __typename }", param: v.value}
			cases = append(cases,
				auditCase{id: "invalid " + param, name: "SHOULD use 400 on " + v.kind + " {" + param + "} with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: js(body), status: 400, media: grjMedia, errors: yes(), data: dataAbsent},
				auditCase{id: "invalid " + param, name: "SHOULD use 200 with errors on " + v.kind + " {" + param + "} with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: js(body), status: 200, media: jsonMedia, errors: yes(), data: dataAbsent},
			)
		}
	}
	for _, param := range []string{"variables", "operationName", "extensions"} {
		body := js(map[string]any{"query": "{ __typename }", param: nil})
		cases = append(cases,
			auditCase{id: "null " + param, name: "SHOULD allow null {" + param + "} with graphql-response+json", method: "POST", contentType: jsonMedia, accept: grjMedia, body: body, status: 200, errors: no(), data: dataPresent},
			auditCase{id: "null " + param, name: "MUST allow null {" + param + "} with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: body, status: 200, errors: no(), data: dataPresent},
		)
	}
	return cases
}

// auditAnswer is what a case's request got.
type auditAnswer struct {
	status int
	header http.Header
	raw    string
	body   map[string]json.RawMessage
}

func doAudit(t *testing.T, gql string, c auditCase, extra http.Header) auditAnswer {
	t.Helper()
	var req *http.Request
	if c.method == "GET" {
		req, _ = http.NewRequest(http.MethodGet, gql+"?"+c.body, nil)
	} else {
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		req, _ = http.NewRequest(c.method, gql, body)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := auditAnswer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &a.body)
	return a
}

func (c auditCase) check(t *testing.T, a auditAnswer) {
	t.Helper()
	if c.status != 0 && a.status != c.status || c.min != 0 && (a.status < c.min || a.status > c.max) {
		t.Errorf("status %d, want %d (%d-%d): %.300s", a.status, c.status, c.min, c.max, a.raw)
	}
	if ct := a.header.Get("Content-Type"); c.media != "" && !strings.HasPrefix(ct, c.media) {
		t.Errorf("Content-Type %q, want %s", ct, c.media)
	}
	if ct := a.header.Get("Content-Type"); strings.Contains(ct, "charset") && !strings.Contains(strings.ToLower(ct), "charset=utf-8") {
		t.Errorf("Content-Type %q: not UTF-8", ct)
	}
	if c.errors != nil {
		if _, has := a.body["errors"]; has != *c.errors {
			t.Errorf("errors entry present %v, want %v: %.300s", has, *c.errors, a.raw)
		}
	}
	_, has := a.body["data"]
	if c.data == dataAbsent && has || c.data == dataPresent && !has {
		t.Errorf("data entry present %v, want %v: %.300s", has, c.data == dataPresent, a.raw)
	}
}

// TestGraphQLOverHTTPAudit runs graphql-http's server audit, MUST and SHOULD, against the server.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	gql := env.URL + "/graphql"
	for _, c := range auditCases() {
		t.Run(c.id+" "+c.name, func(t *testing.T) {
			c.check(t, doAudit(t, gql, c, nil))
		})
	}
}

// TestGraphQLOverHTTPSemantics: what clients other than the audit rely on.
func TestGraphQLOverHTTPSemantics(t *testing.T) {
	t.Parallel()
	env := servertest.New(t)
	gql := env.URL + "/graphql"
	o := env.SignUp("httpsem")
	bearer := http.Header{"Authorization": {"Bearer " + o.AccessToken}}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	uuidFive := js(map[string]any{"query": `query($id: UUID!) { reservation(id: $id) { id } }`, "variables": map[string]any{"id": 5}})
	timeInList := js(map[string]any{"query": `query($f: ReservationFilter) { reservations(filter: $f) { edges { cursor } } }`, "variables": map[string]any{"f": map[string]any{"from": true}}})

	cases := []struct {
		auditCase
		auth  bool
		code  string // errors[0].extensions.code
		field string // errors[0].extensions.field
		allow string // the Allow header
	}{
		// Apollo Client 3 reads errors only from a 2xx: a validation error must be one.
		{auditCase: auditCase{name: "{ nope } with application/json", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: js(map[string]any{"query": "{ nope }"}), status: 200, media: jsonMedia, errors: yes(), data: dataAbsent}, code: "GRAPHQL_VALIDATION_FAILED"},
		{auditCase: auditCase{name: "Apollo's Accept (multipart, graphql-response+json, json)", method: "POST", contentType: jsonMedia, accept: "multipart/mixed;deferSpec=20220824, application/graphql-response+json, application/json", body: js(map[string]any{"query": "{ nope }"}), status: 400, media: grjMedia, errors: yes(), data: dataAbsent}, code: "GRAPHQL_VALIDATION_FAILED"},
		{auditCase: auditCase{name: "$id: UUID! = 5 with graphql-response+json is a request error", method: "POST", contentType: jsonMedia, accept: grjMedia, body: uuidFive, status: 400, media: grjMedia, errors: yes(), data: dataAbsent}, auth: true, code: "BAD_USER_INPUT", field: "id"},
		{auditCase: auditCase{name: "$id: UUID! = 5 with application/json is a request error", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: uuidFive, status: 200, media: jsonMedia, errors: yes(), data: dataAbsent}, auth: true, code: "BAD_USER_INPUT", field: "id"},
		{auditCase: auditCase{name: "a Time inside an input-object variable", method: "POST", contentType: jsonMedia, accept: grjMedia, body: timeInList, status: 400, errors: yes(), data: dataAbsent}, auth: true, code: "BAD_USER_INPUT", field: "filter.from"},
		{auditCase: auditCase{name: "a malformed UUID literal is a request error", method: "POST", contentType: jsonMedia, accept: grjMedia, body: js(map[string]any{"query": `{ reservation(id: "nope") { id } }`}), status: 400, errors: yes(), data: dataAbsent}, auth: true, code: "BAD_USER_INPUT", field: "id"},
		{auditCase: auditCase{name: "a malformed Time literal in an input object, through a fragment", method: "POST", contentType: jsonMedia, accept: jsonMedia, body: js(map[string]any{"query": `query { ...F } fragment F on Query { reservations(filter: {from: "yesterday"}) { edges { cursor } } }`}), status: 200, errors: yes(), data: dataAbsent}, auth: true, code: "BAD_USER_INPUT", field: "filter.from"},
		{auditCase: auditCase{name: "an execution error keeps 200 and data", method: "POST", contentType: jsonMedia, accept: grjMedia, body: js(map[string]any{"query": "{ me { role } }"}), status: 200, media: grjMedia, errors: yes(), data: dataPresent}, code: "UNAUTHENTICATED"},
		{auditCase: auditCase{name: "text/plain is 415", method: "POST", contentType: "text/plain", body: `{"query":"{ __typename }"}`, status: http.StatusUnsupportedMediaType, media: jsonMedia, errors: yes()}, code: "UNSUPPORTED_MEDIA_TYPE"},
		{auditCase: auditCase{name: "form-encoded is 415", method: "POST", contentType: "application/x-www-form-urlencoded", body: "query=%7B__typename%7D", status: http.StatusUnsupportedMediaType}, code: "UNSUPPORTED_MEDIA_TYPE"},
		{auditCase: auditCase{name: "JSON in another charset is 415", method: "POST", contentType: jsonMedia + "; charset=utf-16", body: `{"query":"{ __typename }"}`, status: http.StatusUnsupportedMediaType}, code: "UNSUPPORTED_MEDIA_TYPE"},
		{auditCase: auditCase{name: "PUT is 405", method: "PUT", contentType: jsonMedia, body: `{"query":"{ __typename }"}`, status: http.StatusMethodNotAllowed}, code: "BAD_REQUEST", allow: "GET, POST"},
		{auditCase: auditCase{name: "DELETE is 405", method: "DELETE", status: http.StatusMethodNotAllowed}, code: "BAD_REQUEST", allow: "GET, POST"},
		{auditCase: auditCase{name: "PATCH is 405", method: "PATCH", contentType: jsonMedia, body: `{"query":"{ __typename }"}`, status: http.StatusMethodNotAllowed}, code: "BAD_REQUEST", allow: "GET, POST"},
		{auditCase: auditCase{name: "a GET mutation is 405", method: "GET", body: "query=" + url.QueryEscape("mutation { logOut }"), status: http.StatusMethodNotAllowed}, code: "BAD_REQUEST", allow: "POST"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var extra http.Header
			if c.auth {
				extra = bearer
			}
			a := doAudit(t, gql, c.auditCase, extra)
			c.check(t, a)
			var body struct {
				Errors []struct {
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			_ = json.Unmarshal([]byte(a.raw), &body)
			if len(body.Errors) == 0 {
				t.Fatalf("no errors: %.300s", a.raw)
			}
			if got := body.Errors[0].Extensions["code"]; got != c.code {
				t.Errorf("code %v, want %s", got, c.code)
			}
			if got, _ := body.Errors[0].Extensions["field"].(string); got != c.field {
				t.Errorf("field %q, want %q", got, c.field)
			}
			if got := a.header.Get("Allow"); got != c.allow {
				t.Errorf("Allow %q, want %q", got, c.allow)
			}
		})
	}
}
