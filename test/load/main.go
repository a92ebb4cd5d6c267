// Command load measures the phoneauth binary under load on this machine: it builds the
// service, starts it on a loopback port (SQLite in a temporary file, or a fresh schema on
// the local Postgres), points its webhook SMS provider at a receiver of its own, prepares
// users, and drives each scenario at a fixed concurrency for a fixed time. It prints one
// row per scenario (successful requests per second, p50 and p99 latency, errors, the CPU
// used by the service, the database server, this generator and anything else, the
// service's RSS) and the Argon2id bound that login throughput is judged against: the rate
// of one hash per core at once, measured just before and just after the login scenario. With -runs, each
// scenario runs several times and the targets are judged on the median run. The generator
// shares the machine with the service: its own CPU is in the table. Each client
// logs in as a user of its own and claims an address of its own in X-Forwarded-For (from
// the IPv6 documentation prefix; the service trusts the generator as a proxy), so that the
// per-IP limits see many users, not one; -one-ip sends everything as 127.0.0.1.
//
// It talks to the loopback interface only, stops by itself within -timeout, and kills the
// service at the end. Run it from the module root: `go run ./test/load -db=postgres`, or
// `make bench`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// options are the command line.
type options struct {
	db          string
	postgresURL string
	concurrency int
	duration    time.Duration
	runs        int
	timeout     time.Duration
	bin         string
	scenarios   string
	oneIP       bool
	serviceEnv  envList
}

// envList collects repeated -service-env flags.
type envList []string

func (l *envList) String() string { return strings.Join(*l, " ") }

func (l *envList) Set(v string) error {
	k, _, ok := strings.Cut(v, "=")
	switch {
	case !ok || k == "":
		return fmt.Errorf("want NAME=value, got %q", v)
	case k == "HTTP_ADDR" || k == "DATABASE_URL" || k == "SMS_PROVIDER" || k == "TRUSTED_PROXIES" ||
		strings.HasPrefix(k, "SMS_WEBHOOK_") || strings.HasPrefix(k, "YUNPIAN_"):
		// The generator sets these, so that the service talks to the loopback interface only.
		return fmt.Errorf("%s is the generator's to set", k)
	}
	*l = append(*l, v)
	return nil
}

func main() {
	var o options
	flag.StringVar(&o.db, "db", "sqlite", "database of the service: sqlite (a temporary file) or postgres (a fresh schema, dropped afterwards)")
	flag.StringVar(&o.postgresURL, "postgres-url", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "Postgres server for -db=postgres; must be on the loopback interface")
	flag.IntVar(&o.concurrency, "c", 32, "concurrent clients per scenario")
	flag.DurationVar(&o.duration, "d", 10*time.Second, "duration of each scenario")
	flag.IntVar(&o.runs, "runs", 1, "runs of each scenario, one after another; the report lists each and judges the targets on the median run")
	flag.DurationVar(&o.timeout, "timeout", 4*time.Minute, "overall deadline: everything stops and the service is killed by then")
	flag.StringVar(&o.bin, "bin", "bin/phoneauth", "where to build the service binary, relative to the module root")
	flag.StringVar(&o.scenarios, "scenarios", strings.Join(scenarioNames(), ","), "comma-separated scenarios to run, in this order")
	flag.BoolVar(&o.oneIP, "one-ip", false, "send every request as 127.0.0.1, as clients behind one NAT would, instead of one address per client")
	flag.Var(&o.serviceEnv, "service-env", "NAME=value added to the service's environment, e.g. GOMEMLIMIT=80MiB (repeatable)")
	flag.Parse()

	err := o.check()
	if err == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		ctx, cancel := context.WithTimeout(ctx, o.timeout)
		err = run(ctx, o, os.Stdout)
		cancel()
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func (o options) check() error {
	switch {
	case o.db != "sqlite" && o.db != "postgres":
		return fmt.Errorf("-db must be sqlite or postgres, got %q", o.db)
	case o.concurrency < 1:
		return errors.New("-c must be at least 1")
	case o.runs < 1:
		return errors.New("-runs must be at least 1")
	case o.duration <= 0 || o.timeout <= 0:
		return errors.New("-d and -timeout must be positive")
	}
	names := strings.Split(o.scenarios, ",")
	for _, name := range names {
		if _, ok := scenarioByName(name); !ok {
			return fmt.Errorf("-scenarios: unknown scenario %q (want some of %s)", name, strings.Join(scenarioNames(), ","))
		}
	}
	// Building, preparing users and codes, and stopping take about a minute at most.
	if need := time.Duration(len(names)*o.runs)*o.duration + time.Minute; o.timeout < need {
		return fmt.Errorf("-timeout %s is too short for %d runs of %d scenarios of %s: give it at least %s", o.timeout, o.runs, len(names), o.duration, need)
	}
	if o.db == "postgres" {
		u, err := url.Parse(o.postgresURL)
		if err != nil {
			return errors.New("-postgres-url is not a URL")
		}
		if !loopback(u.Hostname()) {
			return fmt.Errorf("-postgres-url must name a loopback host (127.0.0.1, ::1 or localhost), got %q", u.Hostname())
		}
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// run does the whole measurement and prints the report to out.
func run(ctx context.Context, o options, out io.Writer) error {
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "building %s\n", o.bin)
	bin, err := build(ctx, root, o.bin)
	if err != nil {
		return err
	}
	if busy, err := busyCores(ctx, time.Second); err != nil {
		return err
	} else if busy > maxOtherCores {
		fmt.Fprintf(out, "WARNING: the machine is busy before the run (%.2f cores): the figures will be low.\n", busy)
	}
	// Measured before the service starts, so that nothing competes for the cores.
	cost, err := measureHashCost()
	if err != nil {
		return err
	}

	work, err := os.MkdirTemp("", "phoneauth-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	receiver, err := startReceiver()
	if err != nil {
		return err
	}
	defer receiver.close()

	databaseURL, dropDatabase, err := database(ctx, o, work)
	if err != nil {
		return err
	}
	defer dropDatabase()

	svc, err := startService(ctx, bin, work, databaseURL, receiver, o.oneIP, o.serviceEnv)
	if err != nil {
		return err
	}
	defer svc.stop()

	c := newClient(svc.baseURL, o.concurrency, o.oneIP)
	fmt.Fprintf(out, "service pid %d on %s, database %s, %d clients, %s per scenario\n", svc.pid(), svc.baseURL, o.db, o.concurrency, o.duration)
	if len(o.serviceEnv) > 0 {
		fmt.Fprintf(out, "service environment also has %s\n", o.serviceEnv.String())
	}
	users, err := prepareUsers(ctx, c, receiver, o.concurrency)
	if err != nil {
		return svc.explain(err)
	}

	env := &scenarioEnv{client: c, receiver: receiver, users: users, registrationBound: linearBound(cost.single)}
	var results []result
	for _, name := range strings.Split(o.scenarios, ",") {
		s, _ := scenarioByName(name)
		for i := range o.runs {
			r, err := runScenario(ctx, s, env, o, svc)
			if err != nil {
				return err
			}
			if o.runs > 1 {
				r.label += fmt.Sprintf(" #%d", i+1)
			}
			results = append(results, r)
		}
	}
	report(out, o, results, cost)
	return nil
}

// runScenario prepares s and drives it once; a hashBound scenario is bracketed by
// measurements of the hash cost.
func runScenario(ctx context.Context, s scenario, e *scenarioEnv, o options, svc *service) (result, error) {
	if s.prepare != nil {
		if err := s.prepare(ctx, e, o); err != nil {
			return result{}, svc.explain(fmt.Errorf("%s: %w", s.name, err))
		}
	}
	var hashBefore hashCost
	if s.hashBound {
		var err error
		if hashBefore, err = measureHashCost(); err != nil {
			return result{}, err
		}
	}
	r, err := drive(ctx, s, e, o, svc)
	if err != nil {
		return result{}, svc.explain(fmt.Errorf("%s: %w", s.name, err))
	}
	if s.hashBound {
		r.hashBefore = hashBefore
		if r.hashAfter, err = measureHashCost(); err != nil {
			return result{}, err
		}
	}
	return r, nil
}

// busyCores is how many cores the machine keeps busy over d.
func busyCores(ctx context.Context, d time.Duration) (float64, error) {
	before, err := machineCPUTime()
	if err != nil {
		return 0, err
	}
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(d):
	}
	after, err := machineCPUTime()
	return (after - before).Seconds() / d.Seconds(), err
}

// linearBound is how many Argon2id hashes per second the machine's cores would compute if
// they did not slow each other down: an upper estimate of registration throughput. Logins
// are judged against the measured rate of one hash per core at once instead, since on a
// machine whose cores share memory bandwidth that rate is the real ceiling.
func linearBound(hashTime time.Duration) float64 {
	return float64(runtime.NumCPU()) / hashTime.Seconds()
}
