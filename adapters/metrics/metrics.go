// Package metrics counts what the service does, in Prometheus format.
package metrics

import (
	"net/http"

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
	registry *prometheus.Registry
	refusals *prometheus.CounterVec
}

// New registers the collectors, including the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "phoneauth_limit_refusals_total",
			Help: "Requests refused by an abuse limit, by reason.",
		}, []string{"reason"}),
	}
	m.registry.MustRegister(m.refusals, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Refused implements ports.Observer.
func (m *Metrics) Refused(reason domain.LimitReason) {
	m.refusals.WithLabelValues(string(reason)).Inc()
}

// Refusals returns how many refusals were counted for reason.
func (m *Metrics) Refusals(reason domain.LimitReason) float64 {
	var out float64
	families, _ := m.registry.Gather()
	for _, f := range families {
		if f.GetName() != "phoneauth_limit_refusals_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == string(reason) {
					out += metric.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}
