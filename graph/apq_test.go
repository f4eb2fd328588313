package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

func TestPersistedCache(t *testing.T) {
	ctx := context.Background()
	const shipped, other = "{ a }", "{ b }"
	registered := map[string]string{QueryHash(shipped): shipped}

	c := newPersistedCache(PersistedQueries{Registered: registered})
	if q, ok := c.Get(ctx, QueryHash(shipped)); !ok || q != shipped {
		t.Fatalf("registered operation: %q %v", q, ok)
	}
	if _, ok := c.Get(ctx, QueryHash(other)); ok {
		t.Fatal("unknown hash found")
	}
	c.Add(ctx, QueryHash(other), other)
	if q, ok := c.Get(ctx, QueryHash(other)); !ok || q != other {
		t.Fatalf("learned operation: %q %v", q, ok)
	}
	long := strings.Repeat(" ", maxPersistedQueryBytes) + other
	c.Add(ctx, QueryHash(long), long)
	if _, ok := c.Get(ctx, QueryHash(long)); ok {
		t.Fatal("an operation over maxPersistedQueryBytes was kept")
	}

	only := newPersistedCache(PersistedQueries{Registered: registered, Only: true})
	only.Add(ctx, QueryHash(other), other)
	if _, ok := only.Get(ctx, QueryHash(other)); ok {
		t.Fatal("persisted-only learned an operation")
	}
	if _, ok := only.Get(ctx, QueryHash(shipped)); !ok {
		t.Fatal("persisted-only lost a registered operation")
	}
}

func TestPersistedOnly(t *testing.T) {
	const shipped = "{ a }"
	p := persistedOnly{newPersistedCache(PersistedQueries{Registered: map[string]string{QueryHash(shipped): shipped}, Only: true})}
	for _, c := range []struct {
		query string
		ok    bool
	}{
		{"", true}, // a hash alone: the persisted-query extension looks it up
		{shipped, true},
		{"{ b }", false},
		{shipped + " ", false}, // not the shipped text
	} {
		err := p.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: c.query})
		if (err == nil) != c.ok {
			t.Errorf("%q: %v, want ok %v", c.query, err, c.ok)
		} else if err != nil && err.Extensions["code"] != codeNotInList {
			t.Errorf("%q: code %v", c.query, err.Extensions["code"])
		}
	}
}

func TestPersistedHash(t *testing.T) {
	for _, c := range []struct {
		ext  map[string]any
		want string
	}{
		{nil, ""},
		{map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": "ab"}}, "ab"},
		{map[string]any{"persistedQuery": "ab"}, ""},
		{map[string]any{"persistedQuery": map[string]any{"sha256Hash": 1}}, ""},
	} {
		if got := persistedHash(&graphql.RawParams{Extensions: c.ext}); got != c.want {
			t.Errorf("persistedHash(%v) = %q, want %q", c.ext, got, c.want)
		}
	}
}

func TestAnswerCacheControl(t *testing.T) {
	public := answerCaching{HashOnlyGET: true, Anonymous: true}
	with := func(fields ...string) answerCaching { a := public; a.RootFields = fields; return a }
	for _, tc := range []struct {
		name string
		in   answerCaching
		want string
	}{
		{"availability by hash, anonymous", with("availability"), "public, max-age=30"},
		{"the shortest max-age of the root fields", with("publicServices", "availability", "__typename"), "public, max-age=30"},
		{"a catalogue", with("publicServices", "business"), "public, max-age=300"},
		{"a field that is not public", with("availability", "reservation"), cacheNever},
		{"health says whether the caller is signed in", with("health"), cacheNever},
		{"with a token", answerCaching{HashOnlyGET: true, RootFields: []string{"availability"}}, cacheNever},
		{"with errors", answerCaching{HashOnlyGET: true, Anonymous: true, Errors: true, RootFields: []string{"availability"}}, cacheNever},
		{"query text over GET", answerCaching{Anonymous: true, RootFields: []string{"availability"}}, cacheNever},
		{"no root field (a request error)", public, cacheNever},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := answerCacheControl(tc.in); got != tc.want {
				t.Fatalf("%q, want %q", got, tc.want)
			}
		})
	}
}
