package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Pauses exports the conversion guard's pauses as this replica knows them: the gauge
// phoneauth_sms_country_paused{region} is 1 while a pause it decided or met runs (read
// against the service's clock at each scrape) and 0 after, and
// phoneauth_sms_country_pauses_total{region} counts the pauses it decided. A replica
// that sends nothing to a country paused by another shows 0 until a send there is refused.
type Pauses struct {
	now     func() time.Time
	decided *prometheus.CounterVec
	paused  *prometheus.Desc
	mu      sync.Mutex
	until   map[string]time.Time
}

var (
	_ ports.CountryPauses  = (*Pauses)(nil)
	_ prometheus.Collector = (*Pauses)(nil)
)

// ObservePauses registers the pause metrics; now is the service's clock.
func (m *Metrics) ObservePauses(now func() time.Time) *Pauses {
	p := &Pauses{
		now: now,
		decided: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phoneauth_sms_country_pauses_total", Help: "Pauses of the code sends to a region decided by the conversion guard of this replica.",
		}, []string{"region"}),
		paused: prometheus.NewDesc("phoneauth_sms_country_paused",
			"1 while the conversion guard pauses the code sends to a region (as this replica saw), else 0.", []string{"region"}, nil),
		until: map[string]time.Time{},
	}
	m.registry.MustRegister(p)
	return p
}

// CountryPaused implements ports.CountryPauses.
func (p *Pauses) CountryPaused(pause domain.CountryPause) {
	if pause.Decided {
		p.decided.WithLabelValues(pause.Region).Inc()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if pause.Until.After(p.until[pause.Region]) {
		p.until[pause.Region] = pause.Until
	}
}

// Describe implements prometheus.Collector.
func (p *Pauses) Describe(ch chan<- *prometheus.Desc) {
	p.decided.Describe(ch)
	ch <- p.paused
}

// Collect implements prometheus.Collector.
func (p *Pauses) Collect(ch chan<- prometheus.Metric) {
	p.decided.Collect(ch)
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for region, until := range p.until {
		v := 0.0
		if now.Before(until) {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(p.paused, prometheus.GaugeValue, v, region)
	}
}
