package config

import (
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Prefix starts the name of every setting.
const Prefix = "SLOTPAY_"

// toolPrefixes are SLOTPAY_ variables read by slotpay's tests and benchmarks, not by the server:
// not settings, but not typos either.
var toolPrefixes = []string{"SLOTPAY_TEST_", "SLOTPAY_BENCH_"}

// setting is one variable as Load read it: its effective value (the environment's, or the default).
type setting struct{ name, value string }

// Names lists every setting Load reads, sorted. The list is what Load asks its
// getenv for (Load reads every setting on every call, whatever the others say), so it cannot drift
// from the code: a new setting is known the moment Load reads it.
func Names() []string {
	c, _ := Load(func(string) string { return "" })
	names := make([]string, 0, len(c.settings))
	for _, s := range c.settings {
		names = append(names, s.name)
	}
	slices.Sort(names)
	return names
}

// LoadEnviron is Load on an environment list (os.Environ()); besides the configuration it returns a
// warning for every SLOTPAY_ variable that is not a setting, with the closest setting's name when
// one is near (a typo otherwise leaves the default in force without a word). The warnings come
// back even when the configuration is refused: a misspelt name is often why.
func LoadEnviron(environ []string) (Config, []string, error) {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		// The first of duplicates counts, as for os.Getenv.
		if k, v, ok := strings.Cut(kv, "="); ok && !has(env, k) {
			env[k] = v
		}
	}
	c, err := Load(func(k string) string { return env[k] })
	return c, UnknownSettings(environ), err
}

func has(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// UnknownSettings warns about each SLOTPAY_ variable of environ (K=V entries) that no setting reads,
// sorted by name.
func UnknownSettings(environ []string) []string {
	known := Names()
	var warnings []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if !strings.HasPrefix(upper, Prefix) || slices.Contains(known, name) ||
			slices.ContainsFunc(toolPrefixes, func(p string) bool { return strings.HasPrefix(upper, p) }) {
			continue
		}
		w := name + " is not a setting"
		if s := Suggest(name, known); s != "" {
			w += "; did you mean " + s + "?"
		} else {
			w += " (README.md lists the settings)"
		}
		warnings = append(warnings, w)
	}
	slices.Sort(warnings)
	return warnings
}

// Suggest returns the name in known closest to name (case-insensitive edit distance), or "" when
// none is close enough to be the intended one: at most a third of the length of the name's part
// after SLOTPAY_ in edits (one edit for short names).
func Suggest(name string, known []string) string {
	upper := strings.ToUpper(name)
	best, bestDist := "", 0
	for _, k := range known {
		d := editDistance(upper, k)
		if best == "" || d < bestDist {
			best, bestDist = k, d
		}
	}
	limit := max(1, (len(strings.TrimPrefix(upper, Prefix)))/3)
	if best == "" || bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes: setting names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// LogValue is the effective configuration, every setting Load read with its value (the default when
// unset), secrets masked: key lists show their key ids only, secret-named settings "***", URLs and
// connection strings lose their passwords.
func (c Config) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, len(c.settings))
	for _, s := range c.settings {
		v := Mask(s.name, s.value)
		if v == "" && slices.Contains(c.Generated, s.name) {
			v = "(generated for this run)"
		}
		attrs = append(attrs, slog.String(s.name, v))
	}
	return slog.GroupValue(attrs...)
}

var dsnPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|[^\s&]+)`)

// Mask hides what a setting's value must not show in a log line.
func Mask(name, value string) string {
	if value == "" {
		return ""
	}
	if strings.HasSuffix(name, "_KEYS") {
		var ids []string
		for _, part := range strings.Split(value, ",") {
			id, _, _ := strings.Cut(strings.TrimSpace(part), ":")
			ids = append(ids, id+":***")
		}
		return strings.Join(ids, ",")
	}
	for _, word := range []string{"SECRET", "PASSWORD", "HEADERS", "CREDENTIAL", "AUTH"} {
		if strings.Contains(name, word) {
			return "***"
		}
	}
	if strings.Contains(name, "TOKEN") && !strings.HasSuffix(name, "_TTL") {
		return "***"
	}
	if u, err := url.Parse(value); err == nil && u.Scheme != "" && u.Host != "" {
		q := u.Query()
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				q.Set(k, "xxxxx")
			}
		}
		if len(q) > 0 {
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return dsnPassword.ReplaceAllString(value, "${1}xxxxx")
}
