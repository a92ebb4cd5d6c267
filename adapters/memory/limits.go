package memory

import (
	"context"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.LimitStore = (*Store)(nil)

// UpdateCounter implements ports.LimitStore.
func (s *Store) UpdateCounter(_ context.Context, key string, change func(*domain.Counter) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counters[key]
	if err := change(&c); err != nil {
		return err
	}
	s.counters[key] = c
	return nil
}
