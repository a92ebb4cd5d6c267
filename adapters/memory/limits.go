package memory

import (
	"context"

	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.LimitStore = (*Store)(nil)

// UpdateCounters implements ports.LimitStore.
func (s *Store) UpdateCounters(_ context.Context, changes ...ports.CounterChange) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range changes {
		c := s.counters[ch.Key]
		if err := ch.Change(&c); err != nil {
			return err
		}
		s.counters[ch.Key] = c
	}
	return nil
}
