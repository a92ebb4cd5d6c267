package bootstrap

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/phoneauth/phoneauth/adapters/djangoimport"
	"github.com/phoneauth/phoneauth/adapters/secret"
	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/domain"
)

// importDjango copies the users (with their Django password hashes, upgraded at each
// user's next login) and DRF tokens of a running MxShop into DATABASE_URL. It keeps user
// ids, so other Django apps that reference them keep working, and it can run again: what
// is already there is left alone.
func importDjango(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("import-django", flag.ContinueOnError)
	flags.SetOutput(stdout)
	from := flags.String("from", "", "the MxShop database: postgres://... or sqlite://<file>")
	zone := flags.String("time-zone", "UTC", "Django's TIME_ZONE when the shop ran with USE_TZ = False (MxShop's settings: Asia/Shanghai)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("import-django: --from is required")
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return fmt.Errorf("import-django: --time-zone: %w", err)
	}
	source, err := djangoimport.Read(ctx, *from, djangoimport.Options{TimeZone: loc})
	if err != nil {
		return fmt.Errorf("import-django: reading %s: %w", redactURL(*from), err)
	}

	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.MigrateOnStart {
		if err := sqlstore.Migrate(ctx, db); err != nil {
			return err
		}
	}
	store := sqlstore.NewStore(db)

	var users, tokens importCount
	for _, u := range source.Users {
		created, err := store.ImportUser(ctx, u)
		if errors.Is(err, domain.ErrUserExists) {
			fmt.Fprintf(stdout, "user %d skipped: its username or mobile belongs to another user\n", u.ID)
			users.skipped++
			continue
		}
		if err != nil {
			return fmt.Errorf("import-django: user %d: %w", u.ID, err)
		}
		users.add(created)
	}
	if err := store.FinishImport(ctx); err != nil {
		return err
	}
	// DRF tokens never expired; here they live API_TOKEN_TTL from the import, stored hashed.
	expires := time.Now().UTC().Add(cfg.APITokenTTL)
	hasher := secret.New(nil) // API keys are hashed without a key: they are random already
	for _, t := range source.Tokens {
		created, err := store.ImportAPIToken(ctx, domain.APIToken{
			KeyHash: hasher.APIKeyHash(t.Key), UserID: t.UserID, CreatedAt: t.Created.UTC(), ExpiresAt: expires,
		})
		if errors.Is(err, domain.ErrUserNotFound) { // its user was skipped
			tokens.skipped++
			continue
		}
		if err != nil {
			return fmt.Errorf("import-django: a token of user %d: %w", t.UserID, err)
		}
		tokens.add(created)
	}
	fmt.Fprintf(stdout, "users:  %s\ntokens: %s\n", users, tokens)
	return nil
}

// importCount tallies one kind of record.
type importCount struct{ imported, present, skipped int }

func (c *importCount) add(created bool) {
	if created {
		c.imported++
	} else {
		c.present++
	}
}

func (c importCount) String() string {
	return fmt.Sprintf("%d imported, %d already present, %d skipped", c.imported, c.present, c.skipped)
}
