package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"golang.org/x/sync/errgroup"

	"github.com/phoneauth/phoneauth/adapters/password"
)

// moduleRoot is the directory of the go.mod the command runs in.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run this from inside the phoneauth module")
	}
	return filepath.Dir(gomod), nil
}

// build compiles the service to bin (relative to root) and returns its absolute path.
func build(ctx context.Context, root, bin string) (string, error) {
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(root, bin)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./bootstrap/cmd/phoneauth")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// hashCost is what Argon2id costs on this machine with the service's parameters.
type hashCost struct {
	params string        // as the PHC string gives them: m=<KiB>,t=<passes>,p=<lanes>
	single time.Duration // the median time of one hash alone
	// parallelRate is hashes per second with one hash per core at once, which also pays
	// for the cores sharing caches and memory bandwidth.
	parallelRate float64
}

// measureHashCost times Argon2id verification on an idle machine.
func measureHashCost() (hashCost, error) {
	cores := runtime.NumCPU()
	h := password.NewArgon2id(password.Config{Concurrency: cores})
	encoded, err := h.Hash(context.Background(), userPassword)
	if err != nil {
		return hashCost{}, err
	}
	var c hashCost
	if parts := strings.Split(encoded, "$"); len(parts) > 3 {
		c.params = parts[3]
	}
	verify := func() error {
		if ok, err := h.Verify(context.Background(), encoded, userPassword); err != nil || !ok {
			return fmt.Errorf("argon2id verify: %v %v", ok, err)
		}
		return nil
	}
	const runs = 9
	times := make([]time.Duration, runs)
	for i := range times {
		start := time.Now()
		if err := verify(); err != nil {
			return hashCost{}, err
		}
		times[i] = time.Since(start)
	}
	c.single = percentile(times, 0.5)
	atOnce := func(n int) error {
		var g errgroup.Group
		for range cores {
			g.Go(func() error {
				for range n {
					if err := verify(); err != nil {
						return err
					}
				}
				return nil
			})
		}
		return g.Wait()
	}
	// A first round grows the heap, so that the timed one does not pay for page faults.
	if err := atOnce(2); err != nil {
		return hashCost{}, err
	}
	start := time.Now()
	if err := atOnce(2 * runs); err != nil {
		return hashCost{}, err
	}
	c.parallelRate = float64(cores*2*runs) / time.Since(start).Seconds()
	return c, nil
}

// database returns the service's DATABASE_URL and a function that removes the database.
func database(ctx context.Context, o options, work string) (string, func(), error) {
	if o.db == "sqlite" {
		return "sqlite://" + filepath.Join(work, "phoneauth.db"), func() {}, nil
	}
	admin, err := sql.Open("pgx", o.postgresURL)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := admin.PingContext(pingCtx); err != nil {
		return "", nil, fmt.Errorf("postgres at %s: %w", redact(o.postgresURL), err)
	}
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return "", nil, err
	}
	schema := "phoneauth_load_" + hex.EncodeToString(suffix)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		// The run's context may be over: dropping gets a deadline of its own.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := sql.Open("pgx", o.postgresURL)
		if err != nil {
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			fmt.Fprintf(os.Stderr, "load: dropping schema %s: %v\n", schema, err)
		}
	}
	u, _ := url.Parse(o.postgresURL) // checked by options.check
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

// service is the running binary.
type service struct {
	cmd     *exec.Cmd
	baseURL string
	logPath string
	exited  chan struct{}
}

// startService starts bin on a free loopback port and waits until it answers HTTP.
func startService(ctx context.Context, bin, work, databaseURL string, receiver *receiver, oneIP bool, extraEnv []string) (*service, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	logPath := filepath.Join(work, "service.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor

	cmd := exec.Command(bin)
	// A clean environment, so that a DATABASE_URL or SMS_PROVIDER of the caller's shell
	// cannot point the service elsewhere.
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HTTP_ADDR=" + addr,
		"DATABASE_URL=" + databaseURL,
		"JWT_SECRET=" + hex.EncodeToString(secret),
		"SMS_PROVIDER=webhook",
		"SMS_WEBHOOK_URL=" + receiver.url,
		"SMS_WEBHOOK_SECRET=" + receiver.secret,
		// Generous abuse limits: the generator is one client sending from one address.
		"SMS_DAILY_LIMIT=1000000",
		"SMS_IP_HOURLY_LIMIT=1000000",
		"SMS_GLOBAL_HOURLY_LIMIT=1000000",
		// Codes to new mobiles that nobody uses: the conversion guard judges every send
		// (what it costs is measured) but never pauses.
		"SMS_CONVERSION_MIN_SENDS=1000000000",
		"LOGIN_FAILURES_BEFORE_DELAY=100", // its maximum,
	}
	if !oneIP {
		cmd.Env = append(cmd.Env, "TRUSTED_PROXIES=127.0.0.1/32") // the generator, as each client's proxy
	}
	cmd.Env = append(cmd.Env, extraEnv...) // later entries win
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &service{cmd: cmd, baseURL: "http://" + addr, logPath: logPath, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, s.explain(err)
	}
	return s, nil
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitReady polls until the service answers any HTTP request (migrations run first).
func (s *service) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.baseURL+"/openapi.json", nil)
		if err != nil {
			return err
		}
		if res, err := client.Do(req); err == nil {
			res.Body.Close()
			return nil
		}
		select {
		case <-s.exited:
			return errors.New("the service exited at start")
		case <-ctx.Done():
			return fmt.Errorf("the service did not answer: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *service) pid() int { return s.cmd.Process.Pid }

// stop asks the service to shut down and kills it if it has not within ten seconds.
func (s *service) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// explain adds the end of the service's log to err. The service logs no codes,
// passwords or tokens, so the log can be shown.
func (s *service) explain(err error) error {
	raw, rerr := os.ReadFile(s.logPath)
	if rerr != nil || len(raw) == 0 {
		return err
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	return fmt.Errorf("%w\nlast lines of the service log:\n%s", err, strings.Join(lines[max(0, len(lines)-20):], "\n"))
}

// peakRSS is the service's peak resident set size so far (VmHWM), in bytes.
func (s *service) peakRSS() (int64, error) { return s.statusBytes("VmHWM:") }

// rss is the service's resident set size now (VmRSS), in bytes.
func (s *service) rss() (int64, error) { return s.statusBytes("VmRSS:") }

// statusBytes reads a "<field> <n> kB" line of /proc/<pid>/status.
func (s *service) statusBytes(field string) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, field); ok {
			kib, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kib << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, s.pid())
}

// resetPeakRSS makes VmHWM restart from the current RSS (Linux clear_refs), so that the
// next reading is the peak of one scenario. It needs to own the process or be root.
func (s *service) resetPeakRSS() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.pid()), []byte("5"), 0)
}

// userHz is the unit of the CPU times in /proc/<pid>/stat: USER_HZ, which Linux fixes
// at 100 on every architecture Go runs on.
const userHz = 100

// cpuTime is the CPU time the service has used, user and system, all threads.
func (s *service) cpuTime() (time.Duration, error) {
	st, err := readProcStat(s.pid())
	if err != nil {
		return 0, err
	}
	return st.cpu, nil
}

// procStat is what this command reads of /proc/<pid>/stat.
type procStat struct {
	comm string
	// cpu is the process's own CPU time; children that of its children it has reaped.
	cpu, children time.Duration
}

func readProcStat(pid int) (procStat, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// The command name, in parentheses, may contain spaces: fields count from after it.
	open, end := bytes.IndexByte(raw, '('), bytes.LastIndexByte(raw, ')')
	if open < 0 || end < open {
		return procStat{}, errors.New("unexpected /proc stat format")
	}
	fields := strings.Fields(string(raw[end+1:]))
	if len(fields) < 15 {
		return procStat{}, errors.New("unexpected /proc stat format")
	}
	// utime, stime, cutime and cstime are fields 14 to 17 of the line, 12 to 15 after the name.
	var ticks [4]int64
	for i := range ticks {
		if ticks[i], err = strconv.ParseInt(fields[11+i], 10, 64); err != nil {
			return procStat{}, err
		}
	}
	tick := time.Second / userHz
	return procStat{
		comm:     string(raw[open+1 : end]),
		cpu:      time.Duration(ticks[0]+ticks[1]) * tick,
		children: time.Duration(ticks[2]+ticks[3]) * tick,
	}, nil
}

// postgresCPUTime is the CPU time of the local Postgres server: its live processes, and
// the backends that have exited (the postmaster reaps them, so they count as its children).
func postgresCPUTime() (time.Duration, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readProcStat(pid)
		if err != nil || st.comm != "postgres" {
			continue // not a process, or one that has just exited
		}
		total += st.cpu + st.children
	}
	return total, nil
}

// machineCPUTime is the CPU time all cores spent busy (not idle, not waiting for I/O),
// whoever used it.
func machineCPUTime() (time.Duration, error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	fields := strings.Fields(line)
	if len(fields) < 6 || fields[0] != "cpu" {
		return 0, errors.New("unexpected /proc/stat format")
	}
	var busy int64
	for i, f := range fields[1:] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		// user nice system idle iowait irq softirq steal guest guest_nice: guest time
		// is already counted in user time.
		if i != 3 && i != 4 && i < 8 {
			busy += n
		}
	}
	return time.Duration(busy) * time.Second / userHz, nil
}

// selfCPUTime is the CPU time this generator has used.
func selfCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
