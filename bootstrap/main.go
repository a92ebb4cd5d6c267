package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"
	"time"

	"github.com/uptrace/bun"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/adapters/sqlstore"
)

// startTimeout bounds connecting to and migrating the database at start.
const startTimeout = 30 * time.Second

// Main runs the command line: no argument serves, `migrate up|down|status` manages the schema.
func Main(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) error {
	cfg, err := LoadConfig(lookup)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	switch {
	case len(args) == 0 || (len(args) == 1 && args[0] == "serve"):
		return serve(ctx, cfg, logger)
	case args[0] == "migrate" && len(args) == 2:
		return migrate(ctx, cfg, args[1], stdout, logger)
	case args[0] == "import-django":
		return importDjango(ctx, cfg, args[1:], stdout, logger)
	default:
		return errors.New("usage: phoneauth [serve] | phoneauth migrate up|down|status | phoneauth import-django --from URL [--time-zone ZONE]")
	}
}

// newLogger writes JSON lines (LOG_FORMAT=text for humans) at LOG_LEVEL and above.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func serve(ctx context.Context, cfg Config, logger *slog.Logger) error {
	if cfg.JWTSecretGenerated {
		logger.Warn("JWT_SECRET is not set: using a random secret, so tokens die with this process and replicas reject each other's tokens")
	}
	app := fx.New(Options(cfg, logger), ServerModule, fx.NopLogger)
	if err := app.Err(); err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	stopCtx, cancelStop := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancelStop()
	return app.Stop(stopCtx)
}

// openStore opens DATABASE_URL for a command and checks that it answers.
func openStore(ctx context.Context, cfg Config) (*bun.DB, error) {
	db, err := sqlstore.Open(cfg.DatabaseURL, cfg.DatabaseMaxConns, 0)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := sqlstore.Ping(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s unreachable: %w", redactURL(cfg.DatabaseURL), err)
	}
	return db, nil
}

func migrate(ctx context.Context, cfg Config, command string, stdout io.Writer, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch command {
	case "up":
		return migrateStore(ctx, cfg, db, logger)
	case "down":
		return sqlstore.Rollback(ctx, db)
	case "status":
		states, err := sqlstore.MigrationStatus(ctx, db)
		if err != nil {
			return err
		}
		for _, s := range states {
			status := "pending"
			if s.Applied {
				status = "applied"
			}
			fmt.Fprintf(stdout, "%-40s %s\n", s.Name, status)
		}
		return nil
	default:
		return fmt.Errorf("unknown migrate command %q (want up, down or status)", command)
	}
}
