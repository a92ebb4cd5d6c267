package contract

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// UserRepositoryPorts are what the UserRepository suite needs: the port, ports.Registrar,
// the only way to create the users it reads, ports.SessionRepository and
// ports.APITokenRepository, whose sessions and tokens Delete removes with their user, and
// ports.CodeRepository, whose codes Delete leaves.
type UserRepositoryPorts interface {
	ports.UserRepository
	ports.Registrar
	ports.SessionRepository
	ports.APITokenRepository
	ports.CodeRepository
}

// UserRepository checks ports.UserRepository.
func UserRepository(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Run("ByID round trips every field", func(t *testing.T) { testUserRoundTrip(t, newStore) })
	t.Run("unset optional fields round trip", func(t *testing.T) { testUserUnsetFieldsRoundTrip(t, newStore) })
	t.Run("users without a mobile do not collide", func(t *testing.T) { testUsersWithoutMobile(t, newStore) })
	t.Run("ids are distinct and positive", func(t *testing.T) { testUserIDs(t, newStore) })
	t.Run("ByID of an unknown id is ErrUserNotFound", func(t *testing.T) { testByIDUnknown(t, newStore) })
	t.Run("ByLogin finds a user by username and by mobile", func(t *testing.T) { testByLogin(t, newStore) })
	t.Run("ByLogin prefers a username match over a mobile match", func(t *testing.T) { testByLoginPrefersUsername(t, newStore) })
	t.Run("ByLogin of an unknown login is ErrUserNotFound", func(t *testing.T) { testByLoginUnknown(t, newStore) })
	t.Run("Taken sees usernames and mobiles", func(t *testing.T) { testTaken(t, newStore) })
	t.Run("returned users are copies", func(t *testing.T) { testUsersAreCopies(t, newStore) })
	t.Run("Update stores the change and returns the result", func(t *testing.T) { testUpdate(t, newStore) })
	t.Run("Update can clear optional fields", func(t *testing.T) { testUpdateClears(t, newStore) })
	t.Run("Update writes nothing when the change fails", func(t *testing.T) { testUpdateFailing(t, newStore) })
	t.Run("Update of an unknown id is ErrUserNotFound", func(t *testing.T) { testUpdateUnknown(t, newStore) })
	t.Run("concurrent Updates lose no change", func(t *testing.T) { testUpdateIsSerialised(t, newStore) })
	t.Run("Delete removes the user with its sessions, refresh tokens and API tokens, and no one else's", func(t *testing.T) { testDelete(t, newStore) })
	t.Run("Delete of an unknown id is ErrUserNotFound", func(t *testing.T) { testDeleteUnknown(t, newStore) })
	t.Run("a deleted user's username and mobile are free again", func(t *testing.T) { testDeleteFreesTheNumber(t, newStore) })
	t.Run("Delete leaves the number's code as it is", func(t *testing.T) { testDeleteKeepsTheCode(t, newStore) })
}

func testUserRoundTrip(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	want := fullRecord()
	created := createUser(t, s, want)
	assert.Positive(t, created.ID())
	assertUser(t, want, created)

	got, err := s.ByID(t.Context(), created.ID())
	require.NoError(t, err)
	want.ID = created.ID()
	assertUser(t, want, got)
}

func testUserUnsetFieldsRoundTrip(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	want := domain.UserRecord{
		Username:     "bare" + randomMobile(),
		PasswordHash: "hash",
		Gender:       domain.GenderFemale,
		Active:       true,
		DateJoined:   epoch(),
	}
	created := createUser(t, s, want)
	got, err := s.ByID(t.Context(), created.ID())
	require.NoError(t, err)
	assertUser(t, want, got)
}

func testUsersWithoutMobile(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	for range 2 {
		createUser(t, s, domain.UserRecord{
			Username: "nomobile" + randomMobile(), PasswordHash: "hash",
			Gender: domain.GenderFemale, Active: true, DateJoined: epoch(),
		})
	}
	taken, err := s.Taken(t.Context(), "")
	require.NoError(t, err)
	assert.False(t, taken, "an empty mobile is not a value anyone has")
	_, err = s.ByLogin(t.Context(), "")
	assert.ErrorIs(t, err, domain.ErrUserNotFound)
}

func testUserIDs(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	a := createUser(t, s, fullRecord())
	b := createUser(t, s, fullRecord())
	assert.Positive(t, a.ID())
	assert.Positive(t, b.ID())
	assert.NotEqual(t, a.ID(), b.ID())
}

func testByIDUnknown(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	_, err := s.ByID(t.Context(), 1<<62)
	assert.ErrorIs(t, err, domain.ErrUserNotFound)
}

func testByLogin(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	want := fullRecord()
	created := createUser(t, s, want)
	want.ID = created.ID()
	for _, login := range []string{want.Username, want.Mobile} {
		got, err := s.ByLogin(t.Context(), login)
		require.NoError(t, err, login)
		assertUser(t, want, got)
	}
}

func testByLoginPrefersUsername(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	// In both orders of creation, so that neither insertion nor id order decides.
	for _, usernameFirst := range []bool{false, true} {
		shared := randomMobile()
		byMobile := fullRecord()
		byMobile.Mobile = shared
		byUsername := fullRecord()
		byUsername.Username = shared
		if usernameFirst {
			createUser(t, s, byUsername)
			createUser(t, s, byMobile)
		} else {
			createUser(t, s, byMobile)
			createUser(t, s, byUsername)
		}
		got, err := s.ByLogin(t.Context(), shared)
		require.NoError(t, err)
		assert.Equal(t, shared, got.Username())
		assert.Equal(t, byUsername.Mobile, got.Mobile())
	}
}

func testByLoginUnknown(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	_, err := s.ByLogin(t.Context(), randomMobile())
	assert.ErrorIs(t, err, domain.ErrUserNotFound)
}

func testTaken(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	r := fullRecord()
	createUser(t, s, r)
	for value, want := range map[string]bool{r.Username: true, r.Mobile: true, randomMobile(): false} {
		taken, err := s.Taken(t.Context(), value)
		require.NoError(t, err)
		assert.Equal(t, want, taken, value)
	}
	// Several values in one look-up: taken when any one is.
	for _, tc := range []struct {
		values []string
		want   bool
	}{
		{[]string{randomMobile(), r.Mobile}, true},
		{[]string{r.Username, randomMobile()}, true},
		{[]string{randomMobile(), randomMobile()}, false},
		{nil, false},
	} {
		taken, err := s.Taken(t.Context(), tc.values...)
		require.NoError(t, err)
		assert.Equal(t, tc.want, taken, "%q", tc.values)
	}
}

func testUsersAreCopies(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	want := fullRecord()
	created := createUser(t, s, want)
	want.ID = created.ID()
	name := "changed"
	require.NoError(t, created.ChangeProfile(domain.ProfileChange{Name: &name}))
	got, err := s.ByID(t.Context(), want.ID)
	require.NoError(t, err)
	require.NoError(t, got.ChangeProfile(domain.ProfileChange{Name: &name}))
	got, err = s.ByID(t.Context(), want.ID)
	require.NoError(t, err)
	assertUser(t, want, got)
}

func testUpdate(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	want := fullRecord()
	want.ID = createUser(t, s, want).ID()
	name, gender, birthday, email := "李四", "female", "2001-02-03", "li@example.org"
	updated, err := s.Update(t.Context(), want.ID, func(u *domain.User) error {
		return u.ChangeProfile(domain.ProfileChange{Name: &name, Gender: &gender, Birthday: &birthday, Email: &email})
	})
	require.NoError(t, err)
	want.Name, want.Gender, want.Email = name, domain.GenderFemale, email
	want.Birthday = time.Date(2001, 2, 3, 0, 0, 0, 0, time.UTC)
	assertUser(t, want, updated)
	got, err := s.ByID(t.Context(), want.ID)
	require.NoError(t, err)
	assertUser(t, want, got)
}

func testUpdateClears(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	want := fullRecord()
	want.ID = createUser(t, s, want).ID()
	empty := ""
	_, err := s.Update(t.Context(), want.ID, func(u *domain.User) error {
		return u.ChangeProfile(domain.ProfileChange{Name: &empty, Birthday: &empty, Email: &empty})
	})
	require.NoError(t, err)
	want.Name, want.Birthday, want.Email = "", time.Time{}, ""
	got, err := s.ByID(t.Context(), want.ID)
	require.NoError(t, err)
	assertUser(t, want, got)
}

func testUpdateFailing(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	want := fullRecord()
	want.ID = createUser(t, s, want).ID()
	errBoom := errors.New("boom")
	name := "half-applied"
	_, err := s.Update(t.Context(), want.ID, func(u *domain.User) error {
		require.NoError(t, u.ChangeProfile(domain.ProfileChange{Name: &name}))
		return errBoom
	})
	assert.ErrorIs(t, err, errBoom)

	bad := "not an email"
	_, err = s.Update(t.Context(), want.ID, func(u *domain.User) error {
		return u.ChangeProfile(domain.ProfileChange{Name: &name, Email: &bad})
	})
	assert.ErrorIs(t, err, domain.ErrInvalidEmail)

	got, err := s.ByID(t.Context(), want.ID)
	require.NoError(t, err)
	assertUser(t, want, got)
}

func testUpdateUnknown(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	called := false
	_, err := s.Update(t.Context(), 1<<62, func(*domain.User) error {
		called = true
		return nil
	})
	assert.ErrorIs(t, err, domain.ErrUserNotFound)
	assert.False(t, called, "change must not run without a user")
}

func testUpdateIsSerialised(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	r := fullRecord()
	id := createUser(t, s, r).ID()
	errs := race(concurrency, func(int) error {
		_, err := s.Update(t.Context(), id, func(u *domain.User) error {
			name := u.Name() + "x"
			return u.ChangeProfile(domain.ProfileChange{Name: &name})
		})
		return err
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	got, err := s.ByID(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, r.Name+strings.Repeat("x", concurrency), got.Name(), "each update appends one x")
}

// account is a user with two sessions (one of them renewed once, so that its chain holds
// a retired token and a live one) and two API tokens.
type account struct {
	user      *domain.User
	sessions  []string
	refreshes [][]byte
	apiTokens [][]byte
}

func newAccount(t *testing.T, s UserRepositoryPorts) account {
	t.Helper()
	a := account{user: createUser(t, s, fullRecord())}
	for range 2 {
		session, first := startSessionOf(t, s, a.user.ID())
		a.sessions = append(a.sessions, session.ID)
		a.refreshes = append(a.refreshes, first.KeyHash)
	}
	next := domain.RefreshToken{KeyHash: newKeyHash(), Session: a.sessions[0], IssuedAt: epoch().Add(time.Minute)}
	require.NoError(t, s.Refresh(t.Context(), a.refreshes[0], rotateTo(next)))
	a.refreshes = append(a.refreshes, next.KeyHash)
	for range 2 {
		token := newAPIToken(a.user.ID())
		require.NoError(t, s.Create(t.Context(), token))
		a.apiTokens = append(a.apiTokens, token.KeyHash)
	}
	return a
}

func testDelete(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	gone, kept := newAccount(t, s), newAccount(t, s)
	require.NoError(t, s.Delete(t.Context(), gone.user.ID()))

	_, err := s.ByID(t.Context(), gone.user.ID())
	assert.ErrorIs(t, err, domain.ErrUserNotFound)
	for _, login := range []string{gone.user.Username(), gone.user.Mobile()} {
		_, err := s.ByLogin(t.Context(), login)
		assert.ErrorIs(t, err, domain.ErrUserNotFound, login)
	}
	for _, id := range gone.sessions {
		_, _, err := s.Session(t.Context(), id)
		assert.ErrorIs(t, err, domain.ErrSessionEnded, "session %s", id)
	}
	for _, keyHash := range gone.refreshes {
		err := s.Refresh(t.Context(), keyHash, func(domain.Session, domain.RefreshToken) (domain.RefreshToken, error) {
			return domain.RefreshToken{}, errPeek
		})
		assert.ErrorIs(t, err, domain.ErrRefreshInvalid, "a refresh token of the deleted user")
	}
	for _, keyHash := range gone.apiTokens {
		_, err := s.Find(t.Context(), keyHash)
		assert.ErrorIs(t, err, domain.ErrTokenInvalid, "an API token of the deleted user")
	}

	got, err := s.ByID(t.Context(), kept.user.ID())
	require.NoError(t, err)
	assertUser(t, record(kept.user), got)
	for _, id := range kept.sessions {
		session, user, err := s.Session(t.Context(), id)
		require.NoError(t, err, "session %s of another user", id)
		assert.False(t, session.Revoked, "session %s of another user", id)
		assert.Equal(t, kept.user.ID(), user.ID())
	}
	for _, keyHash := range kept.refreshes {
		err := s.Refresh(t.Context(), keyHash, func(domain.Session, domain.RefreshToken) (domain.RefreshToken, error) {
			return domain.RefreshToken{}, errPeek
		})
		assert.ErrorIs(t, err, errPeek, "a refresh token of another user is still there")
	}
	for _, keyHash := range kept.apiTokens {
		token, err := s.Find(t.Context(), keyHash)
		require.NoError(t, err, "an API token of another user")
		assert.Equal(t, kept.user.ID(), token.UserID)
	}
}

func testDeleteUnknown(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	assert.ErrorIs(t, s.Delete(t.Context(), 1<<62), domain.ErrUserNotFound)
	id := createUser(t, s, fullRecord()).ID()
	require.NoError(t, s.Delete(t.Context(), id))
	assert.ErrorIs(t, s.Delete(t.Context(), id), domain.ErrUserNotFound, "a second Delete finds no one")
}

func testDeleteFreesTheNumber(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	s := newStore(t)
	r := fullRecord()
	require.NoError(t, s.Delete(t.Context(), createUser(t, s, r).ID()))
	for _, value := range []string{r.Username, r.Mobile} {
		taken, err := s.Taken(t.Context(), value)
		require.NoError(t, err)
		assert.False(t, taken, value)
	}
	again := createUser(t, s, r)
	assertUser(t, r, again)
	got, err := s.ByLogin(t.Context(), r.Mobile)
	require.NoError(t, err)
	assert.Equal(t, again.ID(), got.ID(), "the number belongs to its new account")
}

func testDeleteKeepsTheCode(t *testing.T, newStore func(t *testing.T) UserRepositoryPorts) {
	t.Parallel()
	t0 := epoch()
	s := newStore(t)
	r := fullRecord()
	u := createUser(t, s, r)
	saveCode(t, s, r.Mobile, "123456", t0, 5)
	_, err := s.Register(t.Context(), r.Mobile, signUp(t, r.Mobile, "000000", t0.Add(time.Second)))
	require.ErrorIs(t, err, domain.ErrCodeMismatch)

	require.NoError(t, s.Delete(t.Context(), u.ID()))
	code := peekCode(t, s, r.Mobile)
	require.NotNil(t, code, "the code outlives the account")
	assert.Equal(t, 1, code.Attempts(), "and so does the guess spent on it")
}
