package memory

import (
	"bytes"
	"context"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.ImportStore = (*Store)(nil)

// ImportUser implements ports.ImportStore.
func (s *Store) ImportUser(_ context.Context, r domain.UserRecord) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[r.ID]; ok {
		return false, nil
	}
	if _, ok := s.usernames[r.Username]; ok {
		return false, domain.ErrUserExists
	}
	if _, ok := s.mobiles[r.Mobile]; ok {
		return false, domain.ErrUserExists
	}
	r = record(domain.UnmarshalUserFromDatabase(r)) // stored as Register stores a user
	s.users[r.ID] = r
	s.usernames[r.Username] = r.ID
	if r.Mobile != "" {
		s.mobiles[r.Mobile] = r.ID
	}
	s.lastID = max(s.lastID, r.ID)
	return true, nil
}

// ImportAPIToken implements ports.ImportStore. An existing hash wins over a missing
// user, as in SQL, where a conflict inserts nothing and so checks no foreign key.
func (s *Store) ImportAPIToken(_ context.Context, t domain.APIToken) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := string(t.KeyHash)
	if _, ok := s.tokens[key]; ok {
		return false, nil
	}
	if _, ok := s.users[t.UserID]; !ok {
		return false, domain.ErrUserNotFound
	}
	t.KeyHash = bytes.Clone(t.KeyHash)
	s.tokens[key] = t
	return true, nil
}

// FinishImport implements ports.ImportStore: ImportUser already moved the next id past
// the imported ones.
func (s *Store) FinishImport(context.Context) error { return nil }
