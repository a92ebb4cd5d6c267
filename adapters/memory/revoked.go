package memory

import (
	"context"
	"time"

	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.RevokedTokens = (*Store)(nil)

// RevokeToken implements ports.RevokedTokens.
func (s *Store) RevokeToken(_ context.Context, id string, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.revoked[id]; !ok {
		s.revoked[id] = expiresAt
	}
	return nil
}

// TokenRevoked implements ports.RevokedTokens.
func (s *Store) TokenRevoked(_ context.Context, id string, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	expiresAt, ok := s.revoked[id]
	return ok && now.Before(expiresAt), nil
}
