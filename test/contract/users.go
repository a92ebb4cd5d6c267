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

// UserRepositoryPorts are what the UserRepository suite needs: the port, and
// ports.Registrar, the only way to create the users it reads.
type UserRepositoryPorts interface {
	ports.UserRepository
	ports.Registrar
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
