package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

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
