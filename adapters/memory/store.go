// Package memory keeps users, verification codes and API tokens in process memory, for
// tests and single-process demos: everything is lost when the process exits, and the rules
// hold only within the one process.
package memory

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var (
	_ ports.UserRepository     = (*Store)(nil)
	_ ports.CodeRepository     = (*Store)(nil)
	_ ports.Registrar          = (*Store)(nil)
	_ ports.APITokenRepository = (*Store)(nil)
)

// codeEntry is what a mobile has: its newest code, if one was sent, and the time of the
// pending reservation (zero when there is none).
type codeEntry struct {
	code       *domain.VerifyCode
	reservedAt time.Time
}

// Store implements every persistence port. One mutex makes each method atomic, and values
// are copied on the way in and out, so no caller ever shares state with the store.
type Store struct {
	mu        sync.Mutex
	lastID    int64
	users     map[int64]domain.UserRecord
	usernames map[string]int64
	mobiles   map[string]int64 // users without a mobile are not indexed, as SQL NULLs are not
	codes     map[string]codeEntry
	tokens    map[string]domain.APIToken // by string(KeyHash)
	counters  map[string]domain.Counter
	sessions  map[string]domain.Session
	refreshes map[string]domain.RefreshToken // by string(KeyHash)
	revoked   map[string]time.Time           // expiry by token id
}

// NewStore returns an empty store; the first user gets id 1.
func NewStore() *Store {
	return &Store{
		users:     make(map[int64]domain.UserRecord),
		usernames: make(map[string]int64),
		mobiles:   make(map[string]int64),
		codes:     make(map[string]codeEntry),
		tokens:    make(map[string]domain.APIToken),
		counters:  make(map[string]domain.Counter),
		sessions:  make(map[string]domain.Session),
		refreshes: make(map[string]domain.RefreshToken),
		revoked:   make(map[string]time.Time),
	}
}

// ByID implements ports.UserRepository.
func (s *Store) ByID(_ context.Context, id int64) (*domain.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.users[id]
	if !ok {
		return nil, domain.ErrUserNotFound
	}
	return domain.UnmarshalUserFromDatabase(r), nil
}

// ByLogin implements ports.UserRepository: a username match wins over a mobile match.
func (s *Store) ByLogin(_ context.Context, login string) (*domain.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.usernames[login]
	if !ok {
		id, ok = s.mobiles[login]
	}
	if !ok {
		return nil, domain.ErrUserNotFound
	}
	return domain.UnmarshalUserFromDatabase(s.users[id]), nil
}

// Taken implements ports.UserRepository.
func (s *Store) Taken(_ context.Context, values ...string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		_, byUsername := s.usernames[v]
		_, byMobile := s.mobiles[v]
		if byUsername || byMobile {
			return true, nil
		}
	}
	return false, nil
}

// Update implements ports.UserRepository. Only the profile fields are written back: they
// are the only ones a *domain.User can change.
func (s *Store) Update(_ context.Context, id int64, change func(*domain.User) error) (*domain.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.users[id]
	if !ok {
		return nil, domain.ErrUserNotFound
	}
	u := domain.UnmarshalUserFromDatabase(r)
	if err := change(u); err != nil {
		return nil, err
	}
	r.Name, r.Gender, r.Birthday, r.Email = u.Name(), u.Gender(), u.Birthday(), u.Email()
	r.PasswordHash, r.TokenVersion = u.PasswordHash(), u.TokenVersion()
	s.users[id] = r
	return domain.UnmarshalUserFromDatabase(r), nil
}

// Reserve implements ports.CodeRepository.
func (s *Store) Reserve(_ context.Context, mobile string, now, notBefore time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.codes[mobile]
	if (e.code != nil && e.code.SentAt().After(notBefore)) || e.reservedAt.After(notBefore) {
		return domain.ErrResendTooSoon
	}
	e.reservedAt = now
	s.codes[mobile] = e
	return nil
}

// Release implements ports.CodeRepository.
func (s *Store) Release(_ context.Context, mobile string, reservedAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.codes[mobile]
	if ok && e.reservedAt.Equal(reservedAt) {
		e.reservedAt = time.Time{}
		s.codes[mobile] = e
	}
	return nil
}

// Save implements ports.CodeRepository.
func (s *Store) Save(_ context.Context, code *domain.VerifyCode) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code.Mobile()] = codeEntry{code: copyCode(code)}
	return nil
}

// Newest implements ports.CodeRepository.
func (s *Store) Newest(_ context.Context, mobile string) (*domain.VerifyCode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.codes[mobile]; e.code != nil {
		return copyCode(e.code), nil
	}
	return nil, nil
}

// Register implements ports.Registrar. decide runs under the store's mutex, so it must not
// call back into the store.
func (s *Store) Register(_ context.Context, mobile string, decide func(*domain.VerifyCode) (*domain.User, error)) (*domain.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, code := s.newestCode(mobile)
	user, err := decide(code)
	if err != nil || user == nil {
		s.keepCode(mobile, e, code)
		return nil, err
	}
	r := record(user)
	if s.taken(r, 0) {
		return nil, domain.ErrUserExists
	}
	s.keepCode(mobile, e, code)
	s.lastID++
	r.ID = s.lastID
	s.index(r)
	return domain.UnmarshalUserFromDatabase(r), nil
}

// Redeem implements ports.Registrar. decide runs under the store's mutex, so it must not
// call back into the store.
func (s *Store) Redeem(_ context.Context, mobile string, userID int64, decide func(*domain.VerifyCode, *domain.User) error) (*domain.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, code := s.newestCode(mobile)
	var user *domain.User
	old, found := s.users[userID]
	if found {
		user = domain.UnmarshalUserFromDatabase(old)
	}
	err := decide(code, user)
	if err != nil || user == nil {
		s.keepCode(mobile, e, code)
		return nil, err
	}
	r := old // what Redeem may change, as the SQL store writes it
	r.Username, r.Mobile, r.PasswordHash, r.TokenVersion = user.Username(), user.Mobile(), user.PasswordHash(), user.TokenVersion()
	if s.taken(r, userID) {
		return nil, domain.ErrUserExists
	}
	s.keepCode(mobile, e, code)
	delete(s.usernames, old.Username)
	delete(s.mobiles, old.Mobile)
	s.index(r)
	return domain.UnmarshalUserFromDatabase(r), nil
}

// newestCode returns what mobile has, and a copy of its newest code (nil when none).
func (s *Store) newestCode(mobile string) (codeEntry, *domain.VerifyCode) {
	e := s.codes[mobile]
	if e.code == nil {
		return e, nil
	}
	return e, copyCode(e.code)
}

// taken tells whether a user other than the one with id self has r's username or mobile.
func (s *Store) taken(r domain.UserRecord, self int64) bool {
	byUsername, ok := s.usernames[r.Username]
	if ok && byUsername != self {
		return true
	}
	byMobile, ok := s.mobiles[r.Mobile]
	return ok && byMobile != self
}

// index stores r and makes it findable by username and mobile.
func (s *Store) index(r domain.UserRecord) {
	s.users[r.ID] = r
	s.usernames[r.Username] = r.ID
	if r.Mobile != "" {
		s.mobiles[r.Mobile] = r.ID
	}
}

// Delete implements ports.UserRepository, with the user's sessions, refresh tokens and
// API tokens, as the SQL schema's cascades do.
func (s *Store) Delete(_ context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.users[id]
	if !ok {
		return domain.ErrUserNotFound
	}
	delete(s.users, id)
	delete(s.usernames, r.Username)
	delete(s.mobiles, r.Mobile)
	for k, t := range s.tokens {
		if t.UserID == id {
			delete(s.tokens, k)
		}
	}
	for sid, session := range s.sessions {
		if session.UserID == id {
			delete(s.sessions, sid)
		}
	}
	for k, t := range s.refreshes {
		if _, ok := s.sessions[t.Session]; !ok {
			delete(s.refreshes, k)
		}
	}
	return nil
}

// keepCode stores the state decide left code in (attempts, consumed).
func (s *Store) keepCode(mobile string, e codeEntry, code *domain.VerifyCode) {
	if code == nil {
		return
	}
	e.code = copyCode(code)
	s.codes[mobile] = e
}

// Create implements ports.APITokenRepository.
func (s *Store) Create(_ context.Context, token domain.APIToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[token.UserID]; !ok {
		return domain.ErrUserNotFound
	}
	key := string(token.KeyHash)
	if _, ok := s.tokens[key]; ok {
		return errors.New("memory: an API token with this key hash exists")
	}
	token.KeyHash = bytes.Clone(token.KeyHash)
	s.tokens[key] = token
	return nil
}

// Find implements ports.APITokenRepository.
func (s *Store) Find(_ context.Context, keyHash []byte) (domain.APIToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[string(keyHash)]
	if !ok {
		return domain.APIToken{}, domain.ErrTokenInvalid
	}
	t.KeyHash = bytes.Clone(t.KeyHash)
	return t, nil
}

func copyCode(c *domain.VerifyCode) *domain.VerifyCode {
	return domain.UnmarshalVerifyCodeFromDatabase(c.Mobile(), bytes.Clone(c.Hash()),
		c.SentAt(), c.ExpiresAt(), c.Attempts(), c.MaxAttempts(), c.Consumed())
}

// DeleteAPIToken implements ports.APITokenRepository.
func (s *Store) DeleteAPIToken(_ context.Context, keyHash []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, string(keyHash))
	return nil
}

// DeleteUserAPITokens implements ports.APITokenRepository.
func (s *Store) DeleteUserAPITokens(_ context.Context, userID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.tokens {
		if t.UserID == userID {
			delete(s.tokens, k)
		}
	}
	return nil
}

var _ ports.Readiness = (*Store)(nil)

// Ready implements ports.Readiness: memory is always there.
func (s *Store) Ready(context.Context) error { return nil }

// record is what the store keeps of a user: a copy, which no caller shares.
func record(u *domain.User) domain.UserRecord {
	return domain.UserRecord{
		ID: u.ID(), Username: u.Username(), Mobile: u.Mobile(), PasswordHash: u.PasswordHash(),
		Name: u.Name(), Gender: u.Gender(), Birthday: u.Birthday(), Email: u.Email(),
		Active: u.Active(), DateJoined: u.DateJoined(), TokenVersion: u.TokenVersion(),
	}
}
