package application

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// ImportAccounts brings over the users and opaque API tokens of another system (a running
// MxShop): users keep their ids and password hashes, tokens are stored hashed. It can run
// again: what is already stored is left alone.
type ImportAccounts struct {
	store   ports.ImportStore
	secrets ports.Secrets
	clock   ports.Clock
	// tokenTTL is API_TOKEN_TTL: imported tokens never expired where they came from, so
	// here they live that long from the import.
	tokenTTL time.Duration
	// key turns an imported mobile into its stored form; nil keeps it as it came.
	key func(string) string
}

// NormaliseMobiles makes the import store each mobile as key gives it (E.164: see
// domain.MobilePolicy.Key), so that one that another account holds in another spelling
// conflicts, and the user is skipped, instead of a second account for one number.
func (a *ImportAccounts) NormaliseMobiles(key func(string) string) *ImportAccounts {
	a.key = key
	return a
}

// NewImportAccounts builds the import use case.
func NewImportAccounts(tokenTTL time.Duration, store ports.ImportStore, secrets ports.Secrets, clock ports.Clock) *ImportAccounts {
	return &ImportAccounts{store: store, secrets: secrets, clock: clock, tokenTTL: tokenTTL}
}

// ImportCount tallies one kind of record.
type ImportCount struct{ Imported, Present, Skipped int }

func (c *ImportCount) add(created bool) {
	if created {
		c.Imported++
	} else {
		c.Present++
	}
}

// ImportReport is what an import did.
type ImportReport struct {
	Users, Tokens ImportCount
	// SkippedUsers are the ids of the users left out because another user holds their
	// username or mobile, in the order they came.
	SkippedUsers []int64
}

// Import stores users, then tokens. A user whose username or mobile another user holds is
// skipped, and so are its tokens. On an error it stops and returns, with the error, the
// report of what it did before: those records are stored.
func (a *ImportAccounts) Import(ctx context.Context, users []domain.UserRecord, tokens []domain.ImportedAPIToken) (ImportReport, error) {
	var report ImportReport
	for _, u := range users {
		if a.key != nil && u.Mobile != "" {
			u.Mobile = a.key(u.Mobile)
		}
		created, err := a.store.ImportUser(ctx, u)
		if errors.Is(err, domain.ErrUserExists) {
			report.Users.Skipped++
			report.SkippedUsers = append(report.SkippedUsers, u.ID)
			continue
		}
		if err != nil {
			return report, fmt.Errorf("user %d: %w", u.ID, err)
		}
		report.Users.add(created)
	}
	if err := a.store.FinishImport(ctx); err != nil {
		return report, err
	}
	expires := a.clock.Now().Add(a.tokenTTL)
	for _, t := range tokens {
		created, err := a.store.ImportAPIToken(ctx, domain.APIToken{
			KeyHash: a.secrets.APIKeyHash(t.Key), UserID: t.UserID, CreatedAt: t.Created.UTC(), ExpiresAt: expires,
		})
		if errors.Is(err, domain.ErrUserNotFound) { // its user was skipped
			report.Tokens.Skipped++
			continue
		}
		if err != nil {
			// The key is a credential: the error names its user, not the token.
			return report, fmt.Errorf("a token of user %d: %w", t.UserID, err)
		}
		report.Tokens.add(created)
	}
	return report, nil
}
