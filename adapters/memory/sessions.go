package memory

import (
	"bytes"
	"context"
	"errors"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.SessionRepository = (*Store)(nil)

// StartSession implements ports.SessionRepository.
func (s *Store) StartSession(_ context.Context, session domain.Session, first domain.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[session.UserID]; !ok {
		return domain.ErrUserNotFound
	}
	if _, ok := s.sessions[session.ID]; ok {
		return errors.New("memory: a session with this id exists")
	}
	s.sessions[session.ID] = session
	first.KeyHash = bytes.Clone(first.KeyHash)
	s.refreshes[string(first.KeyHash)] = first
	return nil
}

// Session implements ports.SessionRepository.
func (s *Store) Session(_ context.Context, id string) (domain.Session, *domain.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	session, ok := s.sessions[id]
	if !ok {
		return domain.Session{}, nil, domain.ErrSessionEnded
	}
	return session, domain.UnmarshalUserFromDatabase(s.users[session.UserID]), nil
}

// Refresh implements ports.SessionRepository.
func (s *Store) Refresh(_ context.Context, keyHash []byte, exchange func(domain.Session, domain.RefreshToken) (domain.RefreshToken, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	token, ok := s.refreshes[string(keyHash)]
	if !ok {
		return domain.ErrRefreshInvalid
	}
	session := s.sessions[token.Session]
	next, err := exchange(session, token)
	switch {
	case errors.Is(err, domain.ErrRefreshReused):
		session.Revoked = true
		s.sessions[session.ID] = session
		return err
	case err != nil:
		return err
	}
	token.Retired = true
	s.refreshes[string(keyHash)] = token
	next.KeyHash = bytes.Clone(next.KeyHash)
	s.refreshes[string(next.KeyHash)] = next
	return nil
}

// RevokeSession implements ports.SessionRepository.
func (s *Store) RevokeSession(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if session, ok := s.sessions[id]; ok {
		session.Revoked = true
		s.sessions[id] = session
	}
	return nil
}

// RevokeUserSessions implements ports.SessionRepository.
func (s *Store) RevokeUserSessions(_ context.Context, userID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, session := range s.sessions {
		if session.UserID == userID {
			session.Revoked = true
			s.sessions[id] = session
		}
	}
	return nil
}
