package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// userPassword is the password of every prepared user; it is never printed.
const userPassword = "load test password"

func jsonBody(fields map[string]string) []byte {
	raw, _ := json.Marshal(fields) // a map of strings always encodes
	return raw
}

// user is a prepared account.
type user struct {
	mobile string
	token  string // a JWT
}

// scenarioEnv is the state the scenarios share.
type scenarioEnv struct {
	client   *client
	receiver *receiver
	users    []user
	// registrationBound is an upper estimate of registrations per second (linearBound).
	registrationBound float64

	mobiles atomic.Int64 // numbers handed out for codes
	mu      sync.Mutex
	pool    []string     // mobiles that were sent a code and are not registered yet
	taken   atomic.Int64 // index of the next pool entry a registration uses
}

// nextMobile returns a mobile number never used before in this run.
func (e *scenarioEnv) nextMobile() string {
	return fmt.Sprintf("136%08d", e.mobiles.Add(1))
}

// requestCode asks, as client w, for a code for a new mobile and adds it to the
// registration pool.
func (e *scenarioEnv) requestCode(ctx context.Context, w int) (int, []byte, error) {
	mobile := e.nextMobile()
	status, body, err := e.client.do(ctx, w, http.MethodPost, "/code/", jsonBody(map[string]string{"mobile": mobile}), "")
	if err == nil && status == http.StatusCreated {
		e.mu.Lock()
		e.pool = append(e.pool, mobile)
		e.mu.Unlock()
	}
	return status, body, err
}

// errPoolExhausted stops a registration client: every mobile with a code is registered.
var errPoolExhausted = errors.New("no mobile with an unused code left")

// scenario is one kind of request, sent in a loop by every client.
type scenario struct {
	name  string
	label string
	// prepare runs before the clock starts.
	prepare func(ctx context.Context, e *scenarioEnv, o options) error
	// send sends request i of client w and returns the status and body.
	send func(ctx context.Context, e *scenarioEnv, w, i int) (int, []byte, error)
	// hashBound scenarios are judged against the Argon2id bound, measured just before and
	// just after them: the speed of a VM's cores drifts within a minute.
	hashBound bool
	// kind, when set, names the part of a mixed scenario client w belongs to: the report
	// gives each part its own rate and latencies beside the whole.
	kind func(w int) string
}

// mixedKind splits the clients of the mixed scenario: two of every three log in, the third
// reads its profile (with -c 96: 64 logins and 32 profile readers at once).
func mixedKind(w int) string {
	if w%3 == 2 {
		return "profile"
	}
	return "login"
}

func readProfile(ctx context.Context, e *scenarioEnv, w, _ int) (int, []byte, error) {
	return e.client.do(ctx, w, http.MethodGet, "/users/1/", nil, "JWT "+e.users[w%len(e.users)].token)
}

func logIn(ctx context.Context, e *scenarioEnv, w, _ int) (int, []byte, error) {
	u := e.users[w%len(e.users)] // each client its own account, as users log in
	return e.client.do(ctx, w, http.MethodPost, "/login/", jsonBody(map[string]string{"username": u.mobile, "password": userPassword}), "")
}

var scenarios = []scenario{
	{
		name: "profile", label: "GET /users/1/ (JWT)",
		send: readProfile,
	},
	{
		name: "login", label: "POST /login/", hashBound: true,
		send: logIn,
	},
	{
		name: "mixed", label: "mixed: logins and profile reads",
		kind: mixedKind,
		send: func(ctx context.Context, e *scenarioEnv, w, i int) (int, []byte, error) {
			if mixedKind(w) == "profile" {
				return readProfile(ctx, e, w, i)
			}
			return logIn(ctx, e, w, i)
		},
	},
	{
		name: "code", label: "POST /code/ (new mobiles)",
		send: func(ctx context.Context, e *scenarioEnv, w, _ int) (int, []byte, error) {
			return e.requestCode(ctx, w)
		},
	},
	{
		name: "register", label: "POST /users/ (codes sent before)",
		prepare: func(ctx context.Context, e *scenarioEnv, o options) error {
			// Twice what the hashing bound allows in the scenario's time, so that the
			// clients never run out; codes left over from the code scenario count.
			need := int(math.Ceil(2*e.registrationBound*o.duration.Seconds())) + o.concurrency
			g, ctx := errgroup.WithContext(ctx)
			g.SetLimit(o.concurrency)
			for i := range max(0, need-e.available()) {
				g.Go(func() error {
					status, body, err := e.requestCode(ctx, i%o.concurrency)
					if err == nil && status != http.StatusCreated {
						err = fmt.Errorf("POST /code/ answered %d: %s", status, body)
					}
					return err
				})
			}
			return g.Wait()
		},
		send: func(ctx context.Context, e *scenarioEnv, w, _ int) (int, []byte, error) {
			i := int(e.taken.Add(1)) - 1
			e.mu.Lock()
			if i >= len(e.pool) {
				e.mu.Unlock()
				return 0, nil, errPoolExhausted
			}
			mobile := e.pool[i]
			e.mu.Unlock()
			code, ok := e.receiver.code(mobile)
			if !ok {
				return 0, nil, errors.New("no code was received for a mobile of the pool")
			}
			body := jsonBody(map[string]string{"username": mobile, "code": code, "password": userPassword})
			return e.client.do(ctx, w, http.MethodPost, "/users/", body, "")
		},
	},
}

// available is how many pool mobiles no registration has used yet.
func (e *scenarioEnv) available() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.pool) - int(e.taken.Load())
}

func scenarioNames() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return names
}

func scenarioByName(name string) (scenario, bool) {
	i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == name })
	if i < 0 {
		return scenario{}, false
	}
	return scenarios[i], true
}

// prepareUsers registers n users through the API and keeps their JWTs.
func prepareUsers(ctx context.Context, c *client, r *receiver, n int) ([]user, error) {
	users := make([]user, n)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.NumCPU()) // hashing-bound: more would only inflate the service's memory
	for i := range users {
		g.Go(func() error {
			mobile := fmt.Sprintf("135%08d", i)
			status, body, err := c.do(ctx, i, http.MethodPost, "/code/", jsonBody(map[string]string{"mobile": mobile}), "")
			if err != nil {
				return err
			}
			if status != http.StatusCreated {
				return fmt.Errorf("preparing users: POST /code/ answered %d: %s", status, body)
			}
			code, ok := r.code(mobile)
			if !ok {
				return errors.New("preparing users: the SMS receiver got no code")
			}
			status, body, err = c.do(ctx, i, http.MethodPost, "/users/", jsonBody(map[string]string{"username": mobile, "code": code, "password": userPassword}), "")
			if err != nil {
				return err
			}
			if status != http.StatusCreated {
				return fmt.Errorf("preparing users: POST /users/ answered %d: %s", status, body)
			}
			var registered struct{ Token string }
			if err := json.Unmarshal(body, &registered); err != nil || registered.Token == "" {
				return errors.New("preparing users: no token in the registration answer")
			}
			users[i] = user{mobile: mobile, token: registered.Token}
			return nil
		})
	}
	return users, g.Wait()
}

// result is what one scenario measured.
type result struct {
	name, label string
	ok, errors  int
	elapsed     time.Duration
	p50, p99    time.Duration
	cpu         cpuSample
	startRSS    int64
	peakRSS     int64
	// cumulativeRSS says peakRSS is the peak since the service started: the kernel
	// refused to reset it before the scenario.
	cumulativeRSS bool
	// sample is the first failure seen, for the report.
	sample    string
	exhausted bool
	// hashBefore and hashAfter are the Argon2id costs measured around a hashBound scenario.
	hashBefore, hashAfter hashCost
	// parts are the kinds of a mixed scenario, each measured apart.
	parts []part
}

// part is one kind of request of a mixed scenario.
type part struct {
	kind          string
	ok, errors    int
	p50, p99, max time.Duration
}

// rate is the successful requests per second of a run.
func (r result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

// boundShare is a hashBound run's rate as a share of the Argon2id bound: the mean of the
// rates of one hash per core at once, measured just before and just after it.
func (r result) boundShare() float64 {
	return r.rate() / ((r.hashBefore.parallelRate + r.hashAfter.parallelRate) / 2)
}

// drive runs s with o.concurrency clients for o.duration.
func drive(ctx context.Context, s scenario, e *scenarioEnv, o options, svc *service) (result, error) {
	r := result{name: s.name, label: s.label, cumulativeRSS: svc.resetPeakRSS() != nil}
	// Memory a scenario inherits (the Go runtime returns freed memory to the system only
	// slowly) shows in its peak: the RSS at its start tells the two apart.
	startRSS, err := svc.rss()
	if err != nil {
		return result{}, err
	}
	r.startRSS = startRSS
	cpuBefore, err := sampleCPU(svc, o.db == "postgres")
	if err != nil {
		return result{}, err
	}
	latencies := make([][]time.Duration, o.concurrency)
	failures := make([]int, o.concurrency)
	var sample sync.Once
	var exhausted atomic.Bool

	start := time.Now()
	stop := start.Add(o.duration)
	var wg sync.WaitGroup
	for w := range o.concurrency {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop) && ctx.Err() == nil; i++ {
				begin := time.Now()
				status, body, err := s.send(ctx, e, w, i)
				took := time.Since(begin)
				if errors.Is(err, errPoolExhausted) {
					exhausted.Store(true)
					return
				}
				if ctx.Err() != nil {
					return // the run's deadline, not the service, ended this request
				}
				latencies[w] = append(latencies[w], took)
				if err != nil || status/100 != 2 {
					failures[w]++
					// Only failures are shown: their bodies are error envelopes, never tokens.
					sample.Do(func() { r.sample = fmt.Sprintf("status %d, error %v, body %.200s", status, err, body) })
				}
			}
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		return result{}, fmt.Errorf("stopped before the end of the scenario: %w", err)
	}

	if s.kind != nil {
		byKind := map[string]*part{}
		var kinds []string
		for w := range o.concurrency {
			k := s.kind(w)
			if byKind[k] == nil {
				byKind[k] = &part{kind: k}
				kinds = append(kinds, k)
			}
			byKind[k].ok += len(latencies[w]) - failures[w]
			byKind[k].errors += failures[w]
		}
		for _, k := range kinds {
			var ds []time.Duration
			for w := range o.concurrency {
				if s.kind(w) == k {
					ds = append(ds, latencies[w]...)
				}
			}
			p := byKind[k]
			p.p50, p.p99, p.max = percentile(ds, 0.50), percentile(ds, 0.99), percentile(ds, 1)
			r.parts = append(r.parts, *p)
		}
	}
	all := slices.Concat(latencies...)
	for _, f := range failures {
		r.errors += f
	}
	r.ok = len(all) - r.errors
	r.p50, r.p99 = percentile(all, 0.50), percentile(all, 0.99)
	r.exhausted = exhausted.Load()
	cpuAfter, err := sampleCPU(svc, o.db == "postgres")
	if err != nil {
		return result{}, err
	}
	r.cpu = cpuAfter.minus(cpuBefore)
	if r.peakRSS, err = svc.peakRSS(); err != nil {
		return result{}, err
	}
	return r, nil
}

// cpuSample is the CPU time used so far by each party of a run.
type cpuSample struct {
	service, generator, database, machine time.Duration
}

// sampleCPU reads the CPU times; database stays zero without a Postgres server (SQLite
// runs inside the service).
func sampleCPU(svc *service, postgres bool) (cpuSample, error) {
	var s cpuSample
	var err error
	if s.service, err = svc.cpuTime(); err != nil {
		return s, err
	}
	s.generator = selfCPUTime()
	if postgres {
		if s.database, err = postgresCPUTime(); err != nil {
			return s, err
		}
	}
	s.machine, err = machineCPUTime()
	return s, err
}

func (s cpuSample) minus(t cpuSample) cpuSample {
	return cpuSample{s.service - t.service, s.generator - t.generator, s.database - t.database, s.machine - t.machine}
}

// other is what the machine spent on none of the parties: other work on the machine,
// which makes the measurement unreliable.
func (s cpuSample) other() time.Duration { return s.machine - s.service - s.generator - s.database }

// percentile returns the q-quantile of ds (nearest rank), sorting ds.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}
