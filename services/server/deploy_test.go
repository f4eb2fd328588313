package server_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/slotpay/slotpay/services/cli"
	"github.com/slotpay/slotpay/services/config"
)

// dockerfileEnv reads the ENV instructions of the image (ENV K=V [K=V…]).
func dockerfileEnv(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "ENV ")
		if !ok {
			continue
		}
		for _, kv := range strings.Fields(rest) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				t.Fatalf("ENV %q: use ENV K=V", rest)
			}
			env[k] = strings.Trim(v, `"`)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return env
}

func loadWith(layers ...map[string]string) (config.Config, error) {
	env := map[string]string{}
	for _, l := range layers {
		for k, v := range l {
			env[k] = v
		}
	}
	return config.Load(func(k string) string { return env[k] })
}

var deploySecrets = map[string]string{
	"SLOTPAY_PUBLIC_BASE_URL": "https://api.slotpay.example",
	"SLOTPAY_JWT_KEYS":        "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	"SLOTPAY_CREDENTIAL_KEYS": "c1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
}

// TestDockerImageRunsInProduction: the image is production unless told otherwise (so it refuses to
// start without its secrets rather than falling back to development), and told "development" it
// still refuses its 0.0.0.0 listen address without the explicit opt-in.
func TestDockerImageRunsInProduction(t *testing.T) {
	t.Parallel()
	image := dockerfileEnv(t)
	if image["SLOTPAY_ENV"] != "production" {
		t.Fatalf("the Dockerfile sets SLOTPAY_ENV=%q, want production", image["SLOTPAY_ENV"])
	}
	if _, err := loadWith(image); err == nil || !strings.Contains(err.Error(), "SLOTPAY_PUBLIC_BASE_URL is required in production") {
		t.Fatalf("the image without configuration: %v, want a refusal to start", err)
	}
	c, err := loadWith(image, deploySecrets)
	if err != nil || c.Env != config.Production || c.ListenAddr != "0.0.0.0:8080" {
		t.Fatalf("configured image: %+v %v", c.Env, err)
	}
	if _, err := loadWith(image, map[string]string{"SLOTPAY_ENV": "development"}); err == nil || !strings.Contains(err.Error(), "SLOTPAY_DEV_ALLOW_REMOTE") {
		t.Fatalf("the image in development on 0.0.0.0 without opt-in: %v, want refused", err)
	}
}

// TestComposeKeepsDevelopmentLocal: the try-out compose file runs development mode (simulator and
// all) only behind ports published on the host's loopback, with the opt-in said out loud.
func TestComposeKeepsDevelopmentLocal(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatal(err)
	}
	slotpay, ok := compose.Services["slotpay"]
	if !ok {
		t.Fatal("no slotpay service")
	}
	c, err := loadWith(dockerfileEnv(t), slotpay.Environment)
	if err != nil {
		t.Fatalf("compose's slotpay does not start: %v", err)
	}
	if c.Env == config.Development && !config.Loopback(c.ListenAddr) && !c.DevAllowRemote {
		t.Fatal("development on a remote address without opt-in")
	}
	for name, s := range compose.Services {
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("service %s publishes %q beyond the host's loopback", name, p)
			}
		}
	}
}

// dockerfileLines are the Dockerfile's instructions (continuation lines joined, comments dropped).
func dockerfileLines(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(rest + " ")
			continue
		}
		cur.WriteString(line)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// TestDockerImageHealthcheck: the image's HEALTHCHECK runs the binary's own healthcheck command in
// exec form (the distroless image has no shell and no curl), and that command exists: run
// in-process against nothing listening it fails as unhealthy (1), not as an unknown command (2).
func TestDockerImageHealthcheck(t *testing.T) {
	t.Parallel()
	var health, entry []string
	var copiesBinary bool
	for _, line := range dockerfileLines(t) {
		switch {
		case strings.HasPrefix(line, "HEALTHCHECK "):
			_, cmd, ok := strings.Cut(line, " CMD ")
			if !ok || json.Unmarshal([]byte(cmd), &health) != nil {
				t.Fatalf("HEALTHCHECK %q: want the exec form CMD [\"…\"] (no shell in the image)", line)
			}
			for _, opt := range []string{"--interval=", "--timeout=", "--start-period="} {
				if !strings.Contains(line, opt) {
					t.Errorf("HEALTHCHECK without %s", opt)
				}
			}
		case strings.HasPrefix(line, "ENTRYPOINT "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "ENTRYPOINT ")), &entry); err != nil {
				t.Fatalf("ENTRYPOINT %q: %v", line, err)
			}
		case strings.HasPrefix(line, "COPY --from=build /out/slotpay /usr/local/bin/slotpay"):
			copiesBinary = true
		case strings.HasPrefix(line, "RUN ") && strings.Contains(line, "-o /out/slotpay ."):
			if !strings.Contains(line, "CGO_ENABLED=0") {
				t.Errorf("the slotpay binary is not built static: %q", line)
			}
		}
	}
	if !copiesBinary || len(entry) != 1 || entry[0] != "/usr/local/bin/slotpay" {
		t.Fatalf("the image does not run /usr/local/bin/slotpay: entrypoint %q, copied %v", entry, copiesBinary)
	}
	if len(health) != 2 || health[0] != entry[0] || health[1] != "healthcheck" {
		t.Fatalf("HEALTHCHECK runs %q, want [%s healthcheck]", health, entry[0])
	}
	var stderr strings.Builder
	free := freeAddr(t)
	code := cli.Run(context.Background(), health[1:], cli.Env{Stdout: io.Discard, Stderr: &stderr,
		Environ: []string{"SLOTPAY_LISTEN_ADDR=" + free}})
	if code != cli.ExitError {
		t.Fatalf("the image's health command with nothing listening exits %d (%s), want %d", code, stderr.String(), cli.ExitError)
	}
}

// TestDockerContextLeavesOutBulk: the build context (COPY . .) leaves out the repository, the
// benchmark's node_modules and output, and the keys file.
func TestDockerContextLeavesOutBulk(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatalf("no .dockerignore: %v", err)
	}
	lines := strings.Split(string(raw), "\n")
	for _, want := range []string{".git", "bench/node_modules", "bench/out", "slotpay.env"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore does not leave out %s", want)
		}
	}
}

type composeFile struct {
	Services map[string]struct {
		Environment map[string]string `yaml:"environment"`
		EnvFile     []string          `yaml:"env_file"`
		Ports       []string          `yaml:"ports"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
}

// TestComposeHealthAndKeys: compose starts slotpay only once PostgreSQL is healthy (pg_isready),
// checks slotpay with its own healthcheck command, publishes nothing on the host's 5432 (the local
// PostgreSQL's port), and takes the keys from a git-ignored env file, whose example names settings
// that exist; with generated keys the result starts.
func TestComposeHealthAndKeys(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose composeFile
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatal(err)
	}
	pg, slotpay := compose.Services["postgres"], compose.Services["slotpay"]
	if len(pg.Healthcheck.Test) < 2 || pg.Healthcheck.Test[1] != "pg_isready" {
		t.Errorf("postgres healthcheck %q, want pg_isready", pg.Healthcheck.Test)
	}
	if got := slotpay.Healthcheck.Test; len(got) != 3 || got[1] != "/usr/local/bin/slotpay" || got[2] != "healthcheck" {
		t.Errorf("slotpay healthcheck %q, want [CMD /usr/local/bin/slotpay healthcheck]", got)
	}
	if slotpay.DependsOn["postgres"].Condition != "service_healthy" {
		t.Errorf("slotpay depends on postgres with %q, want service_healthy", slotpay.DependsOn["postgres"].Condition)
	}
	for name, s := range compose.Services {
		for _, p := range s.Ports {
			// host_ip:host_port:container_port
			if parts := strings.Split(p, ":"); len(parts) >= 2 && parts[len(parts)-2] == "5432" {
				t.Errorf("service %s publishes %q on the host's 5432", name, p)
			}
		}
	}
	if !slices.Equal(slotpay.EnvFile, []string{"slotpay.env"}) {
		t.Fatalf("slotpay env_file %q, want [slotpay.env]", slotpay.EnvFile)
	}
	gitignore, err := os.ReadFile("../../.gitignore")
	if err != nil || !slices.Contains(strings.Split(string(gitignore), "\n"), "/slotpay.env") {
		t.Errorf("slotpay.env is not git-ignored (%v)", err)
	}
	example, err := os.ReadFile("../../slotpay.env.example")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, line := range strings.Split(string(example), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, _ := strings.Cut(line, "=")
		if !slices.Contains(config.Names(), k) {
			t.Errorf("slotpay.env.example sets %s, which is not a setting", k)
		}
		// What the documented generation step writes: 32 random bytes, base64.
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		keys[k] = "k1:" + base64.StdEncoding.EncodeToString(secret)
	}
	if keys["SLOTPAY_JWT_KEYS"] == "" || keys["SLOTPAY_CREDENTIAL_KEYS"] == "" {
		t.Fatalf("slotpay.env.example lacks the keys: %v", keys)
	}
	c, err := loadWith(dockerfileEnv(t), slotpay.Environment, keys)
	if err != nil {
		t.Fatalf("compose's slotpay with generated keys does not start: %v", err)
	}
	if len(c.Generated) > 0 {
		t.Fatalf("compose's slotpay still generates %v (keys would change on every restart)", c.Generated)
	}
	// The example's placeholders themselves are refused, so nobody runs on them.
	placeholders := map[string]string{}
	for _, line := range strings.Split(string(example), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(k, "#") {
			placeholders[k] = v
		}
	}
	if _, err := loadWith(dockerfileEnv(t), slotpay.Environment, placeholders); err == nil {
		t.Fatal("the example's placeholder keys are accepted")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
