package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// moduleRoot is the directory holding go.mod (the bench runs from anywhere inside the module).
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run the bench inside the slotpay module")
	}
	return filepath.Dir(gomod), nil
}

// slotpaySource is the source tree to build slotpay from. "head" exports the committed HEAD into
// outDir/src/<commit> (other engineers edit the shared working tree while the bench runs, and a
// half-edited file must neither break the build nor be measured); "worktree" builds the working
// tree as it is. It returns the directory and a description for the report.
func slotpaySource(ctx context.Context, root, outDir, source string) (string, string, error) {
	if source == "worktree" {
		out, _ := exec.CommandContext(ctx, "git", "-C", root, "describe", "--always", "--dirty").Output()
		return root, "working tree at " + strings.TrimSpace(string(out)), nil
	}
	out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "", "", fmt.Errorf("git rev-parse HEAD: %w", err)
	}
	commit := strings.TrimSpace(string(out))
	// Outside the repository: the copy is a module of its own, and gofmt or grep over the tree
	// should not find it.
	dir := filepath.Join(os.TempDir(), "slotpay-bench-src", commit)
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", "", err
		}
		cmd := exec.CommandContext(ctx, "sh", "-c", `git -C "$1" archive HEAD | tar -x -C "$2"`, "sh", root, dir)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return "", "", fmt.Errorf("export HEAD: %w", err)
		}
	}
	return dir, "commit " + commit + " (HEAD, committed code only)", nil
}

// pprofHook is added to the build (through go build -overlay, so neither the repository nor its
// copy changes): a bench-only binary serves net/http/pprof on SLOTPAY_BENCH_PPROF when that is set.
// slotpay itself has no profiling endpoint.
const pprofHook = `package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("SLOTPAY_BENCH_PPROF"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
`

// buildSlotpay builds the server binary (with the pprof hook) from src into outDir.
func buildSlotpay(ctx context.Context, src, outDir string) (string, error) {
	// Not a .go file: outDir may sit inside the module (bench/out), where a stray package main
	// without func main would break `go build ./...`; the overlay reads it whatever its name.
	hook := filepath.Join(outDir, "bench_pprof_hook.go.txt")
	if err := os.WriteFile(hook, []byte(pprofHook), 0o644); err != nil {
		return "", err
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(src, "zz_bench_pprof.go"): hook}})
	overlayPath := filepath.Join(outDir, "overlay.json")
	if err := os.WriteFile(overlayPath, overlay, 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(outDir, "slotpay")
	cmd := exec.CommandContext(ctx, "go", "build", "-overlay", overlayPath, "-o", bin, ".")
	cmd.Dir = src
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build slotpay: %w", err)
	}
	return bin, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Proc is a child process the bench started (slotpay or the peer) and measures through /proc.
type Proc struct {
	Name    string
	Cmd     *exec.Cmd
	URL     string
	Started time.Time
	Ready   time.Duration // start → first 200 from the readiness URL
	logFile *os.File
	done    chan struct{}
	waitErr error
}

// startProc starts cmd (its output to logPath) and waits until readyURL answers 200 (any answer at
// all when anyStatus).
func startProc(name string, cmd *exec.Cmd, baseURL, readyURL string, anyStatus bool, logPath string, timeout time.Duration) (*Proc, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, so stopping it stops whatever it started (node) too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &Proc{Name: name, Cmd: cmd, URL: baseURL, logFile: f, done: make(chan struct{})}
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { p.waitErr = cmd.Wait(); close(p.done) }()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited before it was ready (%v); see %s", name, p.waitErr, logPath)
		default:
		}
		resp, err := client.Get(readyURL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || anyStatus {
				p.Ready = time.Since(p.Started)
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("%s not ready after %s; see %s", name, timeout, logPath)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Stop ends the process group with SIGTERM (SIGKILL after 10 s) and waits for it.
func (p *Proc) Stop() {
	if p == nil || p.Cmd.Process == nil {
		return
	}
	pgid := p.Cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	p.logFile.Close()
}

func procStatus(pid int, key string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), key) {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 2 {
				kb, _ := strconv.ParseInt(fields[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// treeRSS is the RSS of a process and its descendants (the peer runs node under a shell or npx).
func treeRSS(pid int) int64 {
	total := procStatus(pid, "VmRSS:")
	children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	for _, c := range strings.Fields(string(children)) {
		if cp, err := strconv.Atoi(c); err == nil {
			total += treeRSS(cp)
		}
	}
	return total
}

// treeCPU is the user+system CPU time of a process and its descendants so far. Fields of stat
// after the command name (which may contain spaces) start after the last ')'; utime and stime are
// the 14th and 15th, in USER_HZ (100 on Linux).
func treeCPU(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	var total time.Duration
	if err == nil {
		s := string(raw)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(fields) >= 13 {
			u, _ := strconv.ParseInt(fields[11], 10, 64)
			st, _ := strconv.ParseInt(fields[12], 10, 64)
			total = time.Duration(u+st) * time.Second / 100
		}
	}
	children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	for _, c := range strings.Fields(string(children)) {
		if cp, err := strconv.Atoi(c); err == nil {
			total += treeCPU(cp)
		}
	}
	return total
}

// Meter samples a process's CPU and peak RSS during one workload step.
type Meter struct {
	pid      int
	cpu0     time.Duration
	start    time.Time
	peak     int64
	stop     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	CPUCores float64 // average cores used during the step
	PeakRSS  int64
	EndRSS   int64
	// PGCores is what every postgres process used meanwhile and MachineCores what the whole
	// machine did (other users of the machine included): whether PostgreSQL or the machine, not
	// the measured process, was the limit.
	PGCores, MachineCores float64
	pg0                   map[int]time.Duration
	busy0                 time.Duration
	db                    string
}

// meter starts sampling pid (0: only PostgreSQL's backends on database db and the machine).
func meter(pid int, db string) *Meter {
	m := &Meter{pid: pid, db: db, stop: make(chan struct{}), start: time.Now(), pg0: postgresCPU(db), busy0: machineBusy()}
	if pid == 0 {
		return m
	}
	m.cpu0 = treeCPU(pid)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			r := treeRSS(pid)
			m.mu.Lock()
			m.peak = max(m.peak, r)
			m.mu.Unlock()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// Done ends sampling and fills the figures.
func (m *Meter) Done() *Meter {
	el := float64(time.Since(m.start))
	m.PGCores = float64(pgDelta(m.pg0, postgresCPU(m.db))) / el
	m.MachineCores = float64(machineBusy()-m.busy0) / el
	if m.pid == 0 {
		return m
	}
	close(m.stop)
	m.wg.Wait()
	elapsed := time.Since(m.start)
	m.CPUCores = float64(treeCPU(m.pid)-m.cpu0) / float64(elapsed)
	m.EndRSS = treeRSS(m.pid)
	m.PeakRSS = max(m.peak, m.EndRSS)
	return m
}

func randomKey(id string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return id + ":" + base64.StdEncoding.EncodeToString(b)
}

// postgresCPU is the CPU time of each PostgreSQL backend connected to database db (their process
// title names it), by pid.
func postgresCPU(db string) map[int]time.Duration {
	out := map[int]time.Duration{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || !strings.Contains(string(raw), "(postgres)") {
			continue
		}
		title, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if !strings.Contains(string(title), " "+db+" ") {
			continue
		}
		s := string(raw)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(fields) >= 13 {
			u, _ := strconv.ParseInt(fields[11], 10, 64)
			st, _ := strconv.ParseInt(fields[12], 10, 64)
			out[pid] = time.Duration(u+st) * time.Second / 100
		}
	}
	return out
}

// pgDelta is the CPU the backends alive at the end used since the start snapshot (a backend that
// exited meanwhile is not counted, so this is a lower bound).
func pgDelta(start, end map[int]time.Duration) time.Duration {
	var d time.Duration
	for pid, c := range end {
		d += c - start[pid]
	}
	return d
}

// machineBusy is the CPU time all cores spent not idle (nor waiting for I/O) since boot.
func machineBusy() time.Duration {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	fields := strings.Fields(strings.SplitN(string(raw), "\n", 2)[0])
	var busy int64
	for i, f := range fields[1:] {
		v, _ := strconv.ParseInt(f, 10, 64)
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 8 { // guest time is already in user
			break
		}
		busy += v
	}
	return time.Duration(busy) * time.Second / 100
}
