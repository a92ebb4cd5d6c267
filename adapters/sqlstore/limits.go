package sqlstore

import (
	"context"
	"fmt"
	"slices"
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

// createRounds bounds how often UpdateCounters creates missing rows and tries again: once
// is enough unless rows vanish in between (a purge), and a key the database cannot find
// again after storing it must fail rather than loop.
const createRounds = 3

// UpdateCounters implements ports.LimitStore in one transaction whatever the number of
// counters: it locks their rows in the database's order of keys, so that transactions
// naming the same keys in other orders cannot deadlock, and writes the changed ones in one
// statement. Rows that do not exist yet are created first, outside it (another replica may
// be creating them too), and the transaction is run again.
func (s *Store) UpdateCounters(ctx context.Context, changes ...ports.CounterChange) error {
	keys := make([]string, 0, len(changes))
	for _, ch := range changes {
		keys = append(keys, ch.Key)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	for round := 1; ; round++ {
		var changeErr error
		var missing []counterRow
		err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var rows []counterRow
			if err := s.forUpdate(tx.NewSelect().Model(&rows).Where("key IN (?)", bun.List(keys)).Order("key")).Scan(ctx); err != nil {
				return fmt.Errorf("load counters: %w", err)
			}
			missing = absent(keys, rows)
			if len(missing) > 0 {
				return nil
			}
			var changed []counterRow
			changed, changeErr = apply(rows, changes)
			if len(changed) == 0 {
				return nil
			}
			_, err := tx.NewInsert().Model(&changed).
				On("CONFLICT (key) DO UPDATE").Set("n = EXCLUDED.n").Set("at = EXCLUDED.at").Exec(ctx)
			if err != nil {
				return fmt.Errorf("write counters: %w", err)
			}
			return nil
		})
		if err != nil {
			return wrap("update counters", err)
		}
		if len(missing) == 0 {
			return changeErr
		}
		if round == createRounds {
			return fmt.Errorf("update counters: %d counters still missing after creating them %d times", len(missing), round)
		}
		if _, err := s.db.NewInsert().Model(&missing).On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
			return wrap("create counters", err)
		}
	}
}

// absent returns a zero row for each of keys that rows lack. (The database sorts rows by
// its collation, which need not be Go's order of strings.)
func absent(keys []string, rows []counterRow) []counterRow {
	found := make(map[string]bool, len(rows))
	for _, r := range rows {
		found[r.Key] = true
	}
	var missing []counterRow
	for _, key := range keys {
		if !found[key] {
			missing = append(missing, counterRow{Key: key})
		}
	}
	return missing
}

// apply runs changes in order on rows and returns the rows that changed, or none and the
// first failure.
func apply(rows []counterRow, changes []ports.CounterChange) ([]counterRow, error) {
	counters := make(map[string]domain.Counter, len(rows))
	for _, r := range rows {
		counters[r.Key] = domain.Counter{N: r.N, At: time.UnixMilli(r.At).UTC()}
	}
	for _, ch := range changes {
		c := counters[ch.Key]
		if err := ch.Change(&c); err != nil {
			return nil, err
		}
		counters[ch.Key] = c
	}
	var changed []counterRow
	for _, r := range rows {
		c := counters[r.Key]
		if next := (counterRow{Key: r.Key, N: c.N, At: c.At.UnixMilli()}); next != r {
			changed = append(changed, next)
		}
	}
	return changed, nil
}
