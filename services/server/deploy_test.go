package server_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

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
