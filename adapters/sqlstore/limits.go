package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.LimitStore = (*Store)(nil)

type counterRow struct {
	bun.BaseModel `bun:"table:limit_counters"`

	Key string `bun:"key,pk"`
	N   int    `bun:"n"`
	At  int64  `bun:"at"`
}

// UpdateCounter implements ports.LimitStore: the row is locked for the transaction (created
// first if missing), so replicas updating one key take turns.
func (s *Store) UpdateCounter(ctx context.Context, key string, change func(*domain.Counter) error) error {
	var changeErr error
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var row counterRow
		load := func() error { return s.forUpdate(tx.NewSelect().Model(&row).Where("key = ?", key)).Scan(ctx) }
		err := load()
		if errors.Is(err, sql.ErrNoRows) {
			// A new key: create its row (another replica may just have) and lock it.
			if _, err := tx.NewInsert().Model(&counterRow{Key: key}).On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
				return fmt.Errorf("create counter: %w", err)
			}
			err = load()
		}
		if err != nil {
			return fmt.Errorf("load counter: %w", err)
		}
		c := domain.Counter{N: row.N, At: time.UnixMilli(row.At).UTC()}
		if changeErr = change(&c); changeErr != nil {
			return changeErr
		}
		if c.N == row.N && c.At.UnixMilli() == row.At {
			return nil // nothing changed: spare the write
		}
		row.N, row.At = c.N, c.At.UnixMilli()
		if _, err := tx.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("write counter: %w", err)
		}
		return nil
	})
	switch {
	case changeErr != nil:
		return changeErr
	case err != nil:
		return wrap("update counter", err)
	}
	return nil
}
