package application_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/memory"
	"github.com/phoneauth/phoneauth/adapters/secret"
	"github.com/phoneauth/phoneauth/application"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/test/contract"
)

const tokenTTL = 30 * 24 * time.Hour

var importedAt = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func shopUser(id int64, username, mobile string) domain.UserRecord {
	return domain.UserRecord{
		ID: id, Username: username, Mobile: mobile, PasswordHash: fmt.Sprintf("pbkdf2_sha256$36000$salt%d$hash", id),
		Name: "Name " + username, Gender: domain.GenderMale, Active: true,
		DateJoined: time.Date(2018, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

func shopToken(userID int64) domain.ImportedAPIToken {
	return domain.ImportedAPIToken{
		Key:    fmt.Sprintf("%040d", userID),
		UserID: userID,
		// In another zone, to show it is stored as the instant it is.
		Created: time.Date(2019, 3, 4, 13, 6, 7, 0, time.FixedZone("CST", 8*60*60)),
	}
}

// spyStore is a memory store that records the calls made to its ports.ImportStore side
// and fails those that fail names.
type spyStore struct {
	*memory.Store
	calls []string
	fail  map[string]error
}

func (s *spyStore) call(name string) error {
	s.calls = append(s.calls, name)
	return s.fail[name]
}

func (s *spyStore) ImportUser(ctx context.Context, r domain.UserRecord) (bool, error) {
	if err := s.call(fmt.Sprintf("user %d", r.ID)); err != nil {
		return false, err
	}
	return s.Store.ImportUser(ctx, r)
}

func (s *spyStore) ImportAPIToken(ctx context.Context, t domain.APIToken) (bool, error) {
	if err := s.call(fmt.Sprintf("token of %d", t.UserID)); err != nil {
		return false, err
	}
	return s.Store.ImportAPIToken(ctx, t)
}

func (s *spyStore) FinishImport(ctx context.Context) error {
	if err := s.call("finish"); err != nil {
		return err
	}
	return s.Store.FinishImport(ctx)
}

func newImport(store *spyStore, clock *contract.TestClock) *application.ImportAccounts {
	return application.NewImportAccounts(tokenTTL, store, secret.New(nil), clock)
}

func TestImportAccountsStoresUsersThenTokens(t *testing.T) {
	store := &spyStore{Store: memory.NewStore()}
	clock := contract.NewTestClock(importedAt)
	users := []domain.UserRecord{shopUser(3, "13700000003", "13700000003"), shopUser(8, "alice", "13700000008")}
	tokens := []domain.ImportedAPIToken{shopToken(8)}

	report, err := newImport(store, clock).Import(t.Context(), users, tokens)
	require.NoError(t, err)
	assert.Equal(t, application.ImportReport{
		Users:  application.ImportCount{Imported: 2},
		Tokens: application.ImportCount{Imported: 1},
	}, report)
	assert.Equal(t, []string{"user 3", "user 8", "finish", "token of 8"}, store.calls,
		"the id sequence moves past the imported users before anyone can register")

	for _, want := range users {
		got, err := store.ByID(t.Context(), want.ID)
		require.NoError(t, err)
		assert.Equal(t, domain.UnmarshalUserFromDatabase(want), got, "stored as read, with its id and Django hash")
	}
	token, err := store.Find(t.Context(), secret.New(nil).APIKeyHash(tokens[0].Key))
	require.NoError(t, err, "stored under the hash the service looks keys up by")
	assert.Equal(t, domain.APIToken{
		KeyHash:   secret.New(nil).APIKeyHash(tokens[0].Key),
		UserID:    8,
		CreatedAt: time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC),
		ExpiresAt: importedAt.Add(tokenTTL),
	}, token)
}

func TestImportAccountsAgainLeavesWhatIsThere(t *testing.T) {
	store := &spyStore{Store: memory.NewStore()}
	clock := contract.NewTestClock(importedAt)
	users := []domain.UserRecord{shopUser(3, "13700000003", "13700000003"), shopUser(8, "alice", "13700000008")}
	tokens := []domain.ImportedAPIToken{shopToken(3), shopToken(8)}
	_, err := newImport(store, clock).Import(t.Context(), users[:1], tokens[:1])
	require.NoError(t, err)

	clock.Advance(24 * time.Hour)
	report, err := newImport(store, clock).Import(t.Context(), users, tokens)
	require.NoError(t, err)
	assert.Equal(t, application.ImportReport{
		Users:  application.ImportCount{Imported: 1, Present: 1},
		Tokens: application.ImportCount{Imported: 1, Present: 1},
	}, report)
	first, err := store.Find(t.Context(), secret.New(nil).APIKeyHash(tokens[0].Key))
	require.NoError(t, err)
	assert.Equal(t, importedAt.Add(tokenTTL), first.ExpiresAt, "a token already there keeps its expiry")
	second, err := store.Find(t.Context(), secret.New(nil).APIKeyHash(tokens[1].Key))
	require.NoError(t, err)
	assert.Equal(t, importedAt.Add(24*time.Hour+tokenTTL), second.ExpiresAt, "a new token lives API_TOKEN_TTL from its import")
}

func TestImportAccountsSkipsUsersWhoseUsernameOrMobileIsTaken(t *testing.T) {
	store := &spyStore{Store: memory.NewStore()}
	clock := contract.NewTestClock(importedAt)
	_, err := store.Store.ImportUser(t.Context(), shopUser(100, "alice", "13700000100")) // a phoneauth user
	require.NoError(t, err)

	users := []domain.UserRecord{
		shopUser(3, "13700000003", "13700000003"),
		shopUser(8, "alice", "13700000008"),       // username taken
		shopUser(9, "13700000009", "13700000100"), // mobile taken
	}
	tokens := []domain.ImportedAPIToken{shopToken(3), shopToken(8), shopToken(9)}
	report, err := newImport(store, clock).Import(t.Context(), users, tokens)
	require.NoError(t, err)
	assert.Equal(t, application.ImportReport{
		Users:        application.ImportCount{Imported: 1, Skipped: 2},
		Tokens:       application.ImportCount{Imported: 1, Skipped: 2},
		SkippedUsers: []int64{8, 9},
	}, report)
	for _, id := range []int64{8, 9} {
		_, err := store.ByID(t.Context(), id)
		assert.ErrorIs(t, err, domain.ErrUserNotFound)
	}
}

func TestImportAccountsStopsAtAStoreError(t *testing.T) {
	errDown := errors.New("database down")
	users := []domain.UserRecord{shopUser(3, "13700000003", "13700000003"), shopUser(8, "alice", "13700000008"), shopUser(9, "bob", "13700000009")}
	tokens := []domain.ImportedAPIToken{shopToken(3), shopToken(9)}
	for _, tc := range []struct {
		failing, message string
		report           application.ImportReport
		calls            []string
	}{
		{"user 9", "user 9: database down", application.ImportReport{
			Users: application.ImportCount{Imported: 1, Skipped: 1}, SkippedUsers: []int64{8},
		}, []string{"user 3", "user 8", "user 9"}},
		{"finish", "database down", application.ImportReport{
			Users: application.ImportCount{Imported: 2, Skipped: 1}, SkippedUsers: []int64{8},
		}, []string{"user 3", "user 8", "user 9", "finish"}},
		{"token of 9", "a token of user 9: database down", application.ImportReport{
			Users: application.ImportCount{Imported: 2, Skipped: 1}, SkippedUsers: []int64{8},
			Tokens: application.ImportCount{Imported: 1},
		}, []string{"user 3", "user 8", "user 9", "finish", "token of 3", "token of 9"}},
	} {
		t.Run(tc.failing, func(t *testing.T) {
			store := &spyStore{Store: memory.NewStore(), fail: map[string]error{tc.failing: errDown}}
			_, err := store.Store.ImportUser(t.Context(), shopUser(100, "alice", "13700000100")) // holds user 8's username
			require.NoError(t, err)

			report, err := newImport(store, contract.NewTestClock(importedAt)).Import(t.Context(), users, tokens)
			require.ErrorIs(t, err, errDown)
			assert.EqualError(t, err, tc.message, "names the user, never the key: it is a credential")
			assert.Equal(t, tc.report, report, "what was done before the error")
			assert.Equal(t, tc.calls, store.calls, "nothing after the error")
		})
	}
}
