package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/slotpay/slotpay/services/web"
)

// GraphQL over HTTP, as the GraphQL-over-HTTP specification says (graphql-http's audit):
//
//   - POST with a JSON body (Content-Type application/json, UTF-8) or GET with the parameters in
//     the query string (queries only: a mutation by GET is 405 with Allow: POST); any other method is
//     405 with Allow: GET, POST; a POST of another media type is 415.
//   - The response is application/graphql-response+json when the client accepts it, otherwise
//     application/json (no Accept, */*, application/json).
//   - A request error — the document does not parse or validate, a variable cannot be coerced
//     (custom scalars too, VariableCoercion), a limit refuses it — is answered without a data entry:
//     400 with application/graphql-response+json, 200 with application/json (which legacy clients,
//     Apollo Client 3 among them, read as GraphQL errors rather than a network failure).
//   - So is a request whose body is not JSON or whose parameters are wrong (no query, a parameter
//     of the wrong type): code BAD_REQUEST.
//   - An executed operation is 200 with data, whatever its field errors.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
	allowedMethods       = "GET, POST"
)

// graphQLHTTP is the one GraphQL-over-HTTP transport (everything but WebSocket upgrades).
type graphQLHTTP struct {
	// persisted resolves a hash-only GET's query, to tell whether it is a query (apq.go).
	persisted *persistedCache
}

var _ graphql.Transport = graphQLHTTP{}

func (graphQLHTTP) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") == "" }

func (t graphQLHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media := responseMedia(r.Header.Get("Accept"))
	var params *graphql.RawParams
	var msg string
	switch r.Method {
	case http.MethodPost:
		mt, ps, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != mediaJSON || (ps["charset"] != "" && !strings.EqualFold(ps["charset"], "utf-8")) {
			web.WriteError(ctx, w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
				"the body must be application/json (UTF-8)")
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			web.WriteError(ctx, w, http.StatusBadRequest, "BAD_REQUEST", "the body could not be read")
			return
		}
		params, msg = postParams(body)
	case http.MethodGet:
		params, msg = getParams(r.URL.RawQuery)
		if params != nil && !t.isQuery(r.Context(), params) {
			// Refused before anything is counted or checked (rate limits included).
			w.Header().Set("Allow", "POST")
			web.WriteError(ctx, w, http.StatusMethodNotAllowed, "BAD_REQUEST", "GET requests only allow query operations; use POST")
			return
		}
	default:
		w.Header().Set("Allow", allowedMethods)
		web.WriteError(ctx, w, http.StatusMethodNotAllowed, "BAD_REQUEST",
			"GraphQL over HTTP takes POST (application/json), or GET for queries")
		return
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.Header().Set("Cache-Control", cacheNever)
	w.Header().Add("Vary", answerVary)
	if params == nil {
		e := &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "BAD_REQUEST"}}
		writeRequestError(w, media, exec.DispatchError(ctx, gqlerror.List{e}))
		return
	}
	params.Headers = r.Header
	hashOnlyGET := r.Method == http.MethodGet && params.Query == "" && persistedHash(params) != ""
	start := graphql.Now()
	params.ReadTime = graphql.TraceTiming{Start: start, End: start}

	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		writeRequestError(w, media, exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	w.Header().Set("Cache-Control", answerCacheControl(answerCaching{HashOnlyGET: hashOnlyGET,
		Anonymous: r.Header.Get("Authorization") == "", Errors: len(resp.Errors) > 0, RootFields: executedRootFields(rc)}))
	writeResult(w, resp)
}

// isQuery: the operation params name is not a mutation or subscription (a document that does not
// parse, or names no such operation, is left to the executor to refuse). A hash-only request is
// judged by the text its hash names; an unknown hash is left to the executor
// (PersistedQueryNotFound).
func (t graphQLHTTP) isQuery(ctx context.Context, params *graphql.RawParams) bool {
	query := params.Query
	if query == "" && t.persisted != nil {
		query, _ = t.persisted.Get(ctx, persistedHash(params))
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, MaxQueryTokens)
	if err != nil {
		return true
	}
	op := doc.Operations.ForName(params.OperationName)
	return op == nil || op.Operation == ast.Query
}

// writeRequestError answers a request that did not execute: its errors and no data entry, 400 with
// application/graphql-response+json and 200 with application/json.
func writeRequestError(w http.ResponseWriter, media string, resp *graphql.Response) {
	w.WriteHeader(requestErrorStatus(media))
	writeResponse(w, requestErrorBody{Errors: resp.Errors, Extensions: resp.Extensions})
}

// requestErrorBody is a response to a request that did not execute: no data entry at all.
type requestErrorBody struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// requestErrorStatus is the status of a request error in the response's media type.
func requestErrorStatus(media string) int {
	if media == mediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// responseMedia chooses the response's media type by the Accept header: the GraphQL response type
// when it is listed (before application/json, or alone), application/json otherwise (no Accept,
// */*, application/*, or nothing this server speaks: the specification lets such clients have
// application/json).
func responseMedia(accept string) string {
	for part := range strings.SplitSeq(accept, ",") {
		mt, ps, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || ps["q"] == "0" {
			continue
		}
		switch mt {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		case mediaJSON, "application/*", "*/*":
			return mediaJSON
		}
	}
	return mediaJSON
}

// wireParams are a request's parameters as sent, each checked for its type.
type wireParams struct {
	Query         json.RawMessage `json:"query"`
	OperationName json.RawMessage `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// postParams reads a POST body, or says why it is not a GraphQL request (nil params).
func postParams(body []byte) (*graphql.RawParams, string) {
	var wp wireParams
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&wp); err != nil || dec.More() {
		return nil, "the body is not a JSON object"
	}
	return rawParams(wp)
}

// getParams reads a GET's query string, or says why it is not a GraphQL request.
func getParams(rawQuery string) (*graphql.RawParams, string) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, "the query string could not be decoded"
	}
	var wp wireParams
	if v, ok := q["query"]; ok {
		wp.Query, _ = json.Marshal(v[0])
	}
	if v, ok := q["operationName"]; ok {
		wp.OperationName, _ = json.Marshal(v[0])
	}
	wp.Variables = json.RawMessage(q.Get("variables"))
	wp.Extensions = json.RawMessage(q.Get("extensions"))
	for _, p := range []*json.RawMessage{&wp.Variables, &wp.Extensions} {
		if len(*p) > 0 && !json.Valid(*p) {
			return nil, "variables and extensions must be JSON objects"
		}
	}
	return rawParams(wp)
}

// rawParams checks each parameter's type: query a string (required unless extensions carry a
// persistedQuery, whose hash then names it), operationName a string or null, variables and
// extensions objects or null.
func rawParams(wp wireParams) (*graphql.RawParams, string) {
	p := &graphql.RawParams{}
	if !decodeAs(wp.Query, &p.Query) {
		return nil, "query must be a non-empty string"
	}
	if !decodeAs(wp.OperationName, &p.OperationName) {
		return nil, "operationName must be a string"
	}
	if !decodeAs(wp.Variables, &p.Variables) {
		return nil, "variables must be an object"
	}
	if !decodeAs(wp.Extensions, &p.Extensions) {
		return nil, "extensions must be an object"
	}
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, "query must be a non-empty string"
	}
	return p, ""
}

// decodeAs decodes raw into v (numbers kept exact), true when raw is absent or null.
func decodeAs(raw json.RawMessage, v any) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v) == nil
}

func writeResponse(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = internalErrorBody
	}
	_, _ = w.Write(b)
}

var internalErrorBody = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)

// writeResult writes an executed operation's response exactly as json.Marshal(resp) would — the
// bytes are the same (TestWriteResultMatchesEncodingJSON) — without running encoding/json over
// resp.Data, which gqlgen has already encoded: json.Marshal would scan the whole document again to
// validate and compact it and copy it twice (for a week of availability, tens of kilobytes). The
// small parts (errors, extensions) still go through encoding/json.
func writeResult(w io.Writer, resp *graphql.Response) {
	buf := make([]byte, 0, len(resp.Data)+len(resp.Data)/64+64)
	buf = append(buf, '{')
	if len(resp.Errors) > 0 {
		b, err := json.Marshal(resp.Errors)
		if err != nil {
			_, _ = w.Write(internalErrorBody)
			return
		}
		buf = append(append(append(buf, `"errors":`...), b...), ',')
	}
	buf = append(buf, `"data":`...)
	switch {
	case resp.Data == nil:
		buf = append(buf, "null"...)
	case len(resp.Data) == 0: // not JSON: json.Marshal refused it too
		_, _ = w.Write(internalErrorBody)
		return
	default:
		buf = appendCompactJSON(buf, resp.Data)
	}
	// The rest of graphql.Response's fields, as its tags say; this transport sends no incremental
	// payloads, so they are empty in practice, but an encoding of them must not differ either.
	if resp.Label != "" || len(resp.Path) > 0 || resp.HasNext != nil || len(resp.Extensions) > 0 {
		rest, err := json.Marshal(struct {
			Label      string         `json:"label,omitempty"`
			Path       ast.Path       `json:"path,omitempty"`
			HasNext    *bool          `json:"hasNext,omitempty"`
			Extensions map[string]any `json:"extensions,omitempty"`
		}{resp.Label, resp.Path, resp.HasNext, resp.Extensions})
		if err != nil {
			_, _ = w.Write(internalErrorBody)
			return
		}
		if len(rest) > 2 { // not "{}"
			buf = append(append(buf, ','), rest[1:len(rest)-1]...)
		}
	}
	buf = append(buf, '}')
	_, _ = w.Write(buf)
}

// jsonSpecial marks the bytes appendCompactJSON must look at: inside strings the quote, the
// backslash, the HTML characters and the first byte of U+2028/U+2029; outside them also
// whitespace (the same table serves both, the loop tells which applies).
var jsonSpecial = [256]bool{'"': true, '\\': true, '<': true, '>': true, '&': true, 0xE2: true,
	' ': true, '\t': true, '\n': true, '\r': true}

// appendCompactJSON appends the JSON value src as encoding/json writes a json.RawMessage
// (json.Compact with HTML escaping): whitespace between tokens dropped, <, > and & and the line and
// paragraph separators U+2028 and U+2029 escaped as \u003c, \u003e, \u0026, \u2028 and \u2029.
// Unlike encoding/json it does not validate src: gqlgen wrote it.
func appendCompactJSON(dst, src []byte) []byte {
	const hex = "0123456789abcdef"
	inString := false
	start := 0 // src[start:i] is still to be copied
	for i := 0; i < len(src); i++ {
		c := src[i]
		if !jsonSpecial[c] {
			continue
		}
		switch {
		case c == '"':
			inString = !inString
		case c == '\\':
			if inString {
				i++ // the escaped byte is copied as it is
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if !inString {
				dst = append(dst, src[start:i]...)
				start = i + 1
			}
		case c == '<' || c == '>' || c == '&':
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			start = i + 1
		case c == 0xE2:
			if i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8 {
				dst = append(dst, src[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hex[src[i+2]&0xF])
				start = i + 3
				i += 2
			}
		}
	}
	return append(dst, src[start:]...)
}
