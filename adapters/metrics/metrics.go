// Package metrics counts what the service does, in Prometheus format: the events of
// ports.Observer, the HTTP requests the HTTP adapter reports through Request, and the SMS
// sends and password hashes of the ports it decorates.
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.Observer = (*Metrics)(nil)

// Metrics holds the service's collectors in a registry of its own, so that two apps in
// one process (tests, replicas) never collide.
type Metrics struct {
	registry     *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	refusals     *prometheus.CounterVec
	codes        *prometheus.CounterVec
	logins       *prometheus.CounterVec
	smsSends     *prometheus.CounterVec
	deliveries   *prometheus.CounterVec
	passwordHash *prometheus.HistogramVec
	hashQueue    prometheus.Histogram
	shed         *prometheus.CounterVec
}

// New registers the collectors, including the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phoneauth_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "phoneauth_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phoneauth_limit_refusals_total", Help: "Requests refused by an abuse limit, by reason.",
		}, []string{"reason"}),
		codes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phoneauth_codes_total", Help: "Verification codes issued, verified, mismatched, expired and exhausted.",
		}, []string{"event"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phoneauth_logins_total", Help: "Login attempts by outcome.",
		}, []string{"outcome"}),
		smsSends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phoneauth_sms_sends_total", Help: "SMS sends by provider and outcome (sent, refused, unavailable).",
		}, []string{"provider", "outcome"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phoneauth_sms_delivery_total", Help: "What SMS vendors' delivery receipts reported, by provider and status (delivered, failed, sent).",
		}, []string{"provider", "status"}),
		passwordHash: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "phoneauth_password_hash_seconds", Help: "Time to hash or verify a password.",
			Buckets: []float64{.005, .01, .02, .03, .05, .075, .1, .25, .5, 1},
		}, []string{"op"}),
		hashQueue: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "phoneauth_password_hash_queue_seconds", Help: "Time a password hash waited for a slot, run or shed.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2, 5},
		}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phoneauth_shed_total", Help: "Requests shed with 503 and Retry-After before any work, by reason.",
		}, []string{"reason"}),
	}
	m.shed.WithLabelValues(ShedHashQueue) // present at 0 from the start
	m.registry.MustRegister(m.requests, m.latency, m.refusals, m.codes, m.logins, m.smsSends, m.deliveries, m.passwordHash,
		m.hashQueue, m.shed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WatchDatabase exports the connection pool's statistics.
func (m *Metrics) WatchDatabase(db *sql.DB) {
	m.registry.MustRegister(collectors.NewDBStatsCollector(db, "phoneauth"))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Refused implements ports.Observer.
func (m *Metrics) Refused(reason domain.LimitReason) {
	m.refusals.WithLabelValues(string(reason)).Inc()
}

// Code implements ports.Observer.
func (m *Metrics) Code(event domain.CodeEvent) { m.codes.WithLabelValues(string(event)).Inc() }

// Login implements ports.Observer.
func (m *Metrics) Login(outcome domain.LoginOutcome) { m.logins.WithLabelValues(string(outcome)).Inc() }

// Delivery counts one status a vendor's delivery receipt reported.
func (m *Metrics) Delivery(provider string, status domain.DeliveryStatus) {
	m.deliveries.WithLabelValues(provider, string(status)).Inc()
}

// Request counts one HTTP request and its duration.
func (m *Metrics) Request(route, method string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(elapsed.Seconds())
}

// SMSSender counts each send of a provider by outcome.
type SMSSender struct {
	provider string
	next     ports.SMSSender
	sends    *prometheus.CounterVec
}

var _ ports.SMSSender = (*SMSSender)(nil)

// ObserveSMS wraps a provider's sender.
func (m *Metrics) ObserveSMS(provider string, next ports.SMSSender) *SMSSender {
	return &SMSSender{provider: provider, next: next, sends: m.smsSends}
}

// Send implements ports.SMSSender.
func (s *SMSSender) Send(ctx context.Context, msg ports.SMS) error {
	err := s.next.Send(ctx, msg)
	outcome := "sent"
	switch {
	case errors.Is(err, domain.ErrSMSRefused):
		outcome = "refused"
	case err != nil:
		outcome = "unavailable"
	}
	s.sends.WithLabelValues(s.provider, outcome).Inc()
	return err
}

// ShedHashQueue is the reason of a request shed because its password hash waited past
// HASH_QUEUE_TIMEOUT for a slot.
const ShedHashQueue = "password_hash_queue"

// HashQueueWaited records how long a password hash waited for its slot and counts the
// request shed when it waited past the queue timeout (password.Config.Waited).
func (m *Metrics) HashQueueWaited(wait time.Duration, shed bool) {
	m.hashQueue.Observe(wait.Seconds())
	if shed {
		m.shed.WithLabelValues(ShedHashQueue).Inc()
	}
}

// PasswordHasher times each hash and verification.
type PasswordHasher struct {
	next     ports.PasswordHasher
	duration *prometheus.HistogramVec
}

var _ ports.PasswordHasher = (*PasswordHasher)(nil)

// TimePasswords wraps a hasher.
func (m *Metrics) TimePasswords(next ports.PasswordHasher) *PasswordHasher {
	return &PasswordHasher{next: next, duration: m.passwordHash}
}

// Hash implements ports.PasswordHasher.
func (p *PasswordHasher) Hash(ctx context.Context, password string) (string, error) {
	defer p.observe("hash", time.Now())
	return p.next.Hash(ctx, password)
}

// Verify implements ports.PasswordHasher.
func (p *PasswordHasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	defer p.observe("verify", time.Now())
	return p.next.Verify(ctx, encoded, password)
}

// NeedsRehash implements ports.PasswordHasher.
func (p *PasswordHasher) NeedsRehash(encoded string) bool { return p.next.NeedsRehash(encoded) }

func (p *PasswordHasher) observe(op string, start time.Time) {
	p.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
}
