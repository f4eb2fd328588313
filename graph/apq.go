package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Automatic persisted queries (Apollo's persistedQuery extension, gqlgen's
// extension.AutomaticPersistedQuery): a client sends {"extensions":{"persistedQuery":{"version":1,
// "sha256Hash":"…"}}} without the query; an unknown hash answers PersistedQueryNotFound (code
// PERSISTED_QUERY_NOT_FOUND), and the client sends the query with its hash once, which registers it.
// A hash-only request may be a GET (queries only), so CDNs can cache public queries.
//
// The hash only names a text: the text it names goes through every limit (QueryShapeLimit,
// validation, depth, complexity) exactly as if it had been sent, because the extension fills the
// query in before any of them runs (NewHandler registers it first).
//
// PersistedQueries.Only accepts nothing but the operations of the file shipped with the apps
// (SLOTPAY_PERSISTED_QUERIES_ONLY): query text that is not one of them is refused
// (PERSISTED_QUERY_NOT_IN_LIST), and nothing is registered by sending it.
type PersistedQueries struct {
	// Registered are the operations known from the start, by the hex SHA-256 of their text.
	Registered map[string]string
	// Only refuses every operation that is not Registered.
	Only bool
}

const (
	// maxPersistedQueryBytes bounds the text one learned entry keeps: persistedCacheN of them
	// are then at most a few MB, whoever registers them. A longer query still runs; it is just not
	// remembered by its hash.
	maxPersistedQueryBytes = 16 << 10
	codeNotInList          = "PERSISTED_QUERY_NOT_IN_LIST"
)

// persistedCache is the extension's cache: the registered operations, then the ones clients
// registered by sending them (an LRU; none when only registered operations are accepted).
type persistedCache struct {
	registered map[string]string
	learned    *lru.LRU[string]
}

var _ graphql.Cache[string] = (*persistedCache)(nil)

func newPersistedCache(p PersistedQueries) *persistedCache {
	c := &persistedCache{registered: p.Registered}
	if !p.Only {
		c.learned = lru.New[string](persistedCacheN)
	}
	return c
}

func (c *persistedCache) Get(ctx context.Context, hash string) (string, bool) {
	if q, ok := c.registered[hash]; ok {
		return q, true
	}
	if c.learned == nil {
		return "", false
	}
	return c.learned.Get(ctx, hash)
}

func (c *persistedCache) Add(ctx context.Context, hash, query string) {
	if _, ok := c.registered[hash]; ok || c.learned == nil || len(query) > maxPersistedQueryBytes {
		return
	}
	c.learned.Add(ctx, hash, query)
}

// QueryHash is the hash a persisted query is known by: hex SHA-256 of its text.
func QueryHash(query string) string {
	b := sha256.Sum256([]byte(query))
	return hex.EncodeToString(b[:])
}

// persistedHash is the sha256Hash of params' persistedQuery extension ("" when there is none).
func persistedHash(params *graphql.RawParams) string {
	pq, _ := params.Extensions["persistedQuery"].(map[string]any)
	h, _ := pq["sha256Hash"].(string)
	return h
}

// persistedOnly refuses query text that is not a registered operation, before the persisted-query
// extension could register it or anything could run it. A hash alone is left to that extension
// (which knows only the registered operations then).
type persistedOnly struct{ cache *persistedCache }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = persistedOnly{}

func (persistedOnly) ExtensionName() string                   { return "PersistedOnly" }
func (persistedOnly) Validate(graphql.ExecutableSchema) error { return nil }

func (p persistedOnly) MutateOperationParameters(_ context.Context, params *graphql.RawParams) *gqlerror.Error {
	if params.Query == "" {
		return nil
	}
	if q, ok := p.cache.registered[QueryHash(params.Query)]; ok && q == params.Query {
		return nil
	}
	err := gqlerror.Errorf("only persisted operations are accepted: send the sha256Hash of an operation shipped with the app")
	errcode.Set(err, codeNotInList)
	return err
}

// Caching of GraphQL answers by HTTP caches. Only a hash-only GET can be cached at all (its URL
// names the operation and its variables; a CDN keys by URL), and only when the answer is the same
// for everyone who sends that URL: an anonymous caller (no Authorization), every root field a public
// one (publicMaxAge), and no error (an unknown hash's PersistedQueryNotFound must not outlive the
// registration that follows it). Everything else is private, no-store. The answer varies with the
// token, the response media type and the language of messages; rs/cors adds Origin.
const (
	cacheNever = "private, no-store"
	answerVary = "Accept, Accept-Language, Authorization"
)

// publicMaxAge are the root query fields whose answer depends only on their arguments (nothing
// personal, no caller), with how long an HTTP cache may keep it: slots change with every booking,
// a catalogue seldom.
var publicMaxAge = map[string]time.Duration{
	"availability":         30 * time.Second,
	"publicServices":       5 * time.Minute,
	"publicStaff":          5 * time.Minute,
	"publicPaymentMethods": 5 * time.Minute,
	"business":             5 * time.Minute,
	"__typename":           5 * time.Minute,
}

// answerCaching describes an executed GraphQL answer for answerCacheControl.
type answerCaching struct {
	HashOnlyGET bool     // a GET whose query came from the persisted-query hash alone
	Anonymous   bool     // no Authorization header
	Errors      bool     // the answer carries errors (request or field errors)
	RootFields  []string // the operation's root fields (a query's: hash-only GETs are queries)
}

// answerCacheControl is the Cache-Control header of an answer: public with the shortest max-age of
// its root fields when everyone sending the same URL gets the same answer, cacheNever otherwise.
func answerCacheControl(a answerCaching) string {
	if !a.HashOnlyGET || !a.Anonymous || a.Errors || len(a.RootFields) == 0 {
		return cacheNever
	}
	maxAge := time.Duration(0)
	for i, f := range a.RootFields {
		d, ok := publicMaxAge[f]
		if !ok {
			return cacheNever
		}
		if i == 0 || d < maxAge {
			maxAge = d
		}
	}
	return fmt.Sprintf("public, max-age=%d", int(maxAge.Seconds()))
}

// executedRootFields are the names of the root fields the executor runs (gqlgen's own collection:
// fragments spread, @skip and @include applied; oplog's rootFields is the logged, bounded summary).
func executedRootFields(rc *graphql.OperationContext) []string {
	if rc.Operation == nil {
		return nil
	}
	var names []string
	for _, f := range graphql.CollectFields(rc, rc.Operation.SelectionSet, []string{"Query"}) {
		names = append(names, f.Name)
	}
	return names
}
