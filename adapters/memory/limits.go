package memory

import (
	"context"
	"maps"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.LimitStore = (*Store)(nil)

// UpdateCounters implements ports.LimitStore.
func (s *Store) UpdateCounters(_ context.Context, changes ...ports.CounterChange) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := make(map[string]domain.Counter, len(changes))
	for _, ch := range changes {
		c, ok := changed[ch.Key]
		if !ok {
			c = s.counters[ch.Key]
		}
		if err := ch.Change(&c); err != nil {
			return err
		}
		changed[ch.Key] = c
	}
	maps.Copy(s.counters, changed)
	return nil
}
