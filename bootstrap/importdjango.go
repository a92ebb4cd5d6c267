package bootstrap

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/phoneauth/phoneauth/adapters/clock"
	"github.com/phoneauth/phoneauth/adapters/djangoimport"
	"github.com/phoneauth/phoneauth/adapters/secret"
	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/application"
)

// importDjango copies the users (with their Django password hashes, upgraded at each
// user's next login) and DRF tokens of a running MxShop into DATABASE_URL. It keeps user
// ids, so other Django apps that reference them keep working, and it can run again: what
// is already there is left alone.
func importDjango(ctx context.Context, cfg Config, args []string, stdout io.Writer, logger *slog.Logger) error {
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
		if err := migrateStore(ctx, cfg, db, logger); err != nil {
			return err
		}
	}
	// API keys are hashed without a key (they are random already), so no secret is needed.
	mobiles, err := mobilePolicy(cfg)
	if err != nil {
		return err
	}
	// Mobiles are stored in E.164, like those of accounts made here: one that another
	// account holds in any spelling is skipped and reported below.
	accounts := application.NewImportAccounts(cfg.APITokenTTL, sqlstore.NewStore(db), secret.New(nil), clock.System{}).
		NormaliseMobiles(mobiles.Key)
	report, err := accounts.Import(ctx, source.Users, source.Tokens)
	for _, id := range report.SkippedUsers {
		fmt.Fprintf(stdout, "user %d skipped: its username or mobile belongs to another user\n", id)
	}
	if err != nil {
		return fmt.Errorf("import-django: %w", err)
	}
	fmt.Fprintf(stdout, "users:  %s\ntokens: %s\n", importCount(report.Users), importCount(report.Tokens))
	return nil
}

// importCount prints one kind of record's tally.
func importCount(c application.ImportCount) string {
	return fmt.Sprintf("%d imported, %d already present, %d skipped", c.Imported, c.Present, c.Skipped)
}
