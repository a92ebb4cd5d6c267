package sqlstore

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// MigrateOption adds a step to Migrate.
type MigrateOption func(*migrateSteps)

type migrateSteps struct {
	normalise func(string) (string, bool)
	logger    *slog.Logger
}

// WithNumbers makes Migrate, once the schema is current, rewrite every stored mobile to
// the canonical form normalise gives (E.164), reporting on logger what it could not: see
// NormaliseNumbers.
func WithNumbers(normalise func(stored string) (canonical string, ok bool), logger *slog.Logger) MigrateOption {
	return func(s *migrateSteps) { s.normalise, s.logger = normalise, logger }
}

// NumberConflict is a canonical number that several rows spell: none of them was changed.
type NumberConflict struct {
	Canonical string
	// Rows are the ids of the users whose mobile is that number, in any spelling, the one
	// already canonical among them, lowest id first.
	Rows []int64
}

// NumberReport is what NormaliseNumbers did.
type NumberReport struct {
	Normalised int              // rows rewritten to their canonical form
	Conflicts  []NumberConflict // numbers left alone: more than one account has them
	Unreadable []int64          // ids of rows whose mobile is no number, left alone
}

// candidateRows selects the rows whose mobile may not be canonical: E.164 is a plus and
// digits, so a mobile without the plus, or with a separator, is one.
const candidateRows = `mobile IS NOT NULL AND mobile <> '' AND (mobile NOT LIKE '+%' OR mobile LIKE '% %' OR
	mobile LIKE '%-%' OR mobile LIKE '%(%' OR mobile LIKE '%)%' OR mobile LIKE '%.%')`

// NormaliseNumbers rewrites each stored mobile not yet in canonical form. Nothing is
// merged: when two rows spell one number, or a row spells a number another row holds
// canonically, every such row is left as it was and the conflict is logged (WARN, one line
// a number, with the ids) for an operator to settle; the next run picks up what was
// settled. A mobile that is no number is left as it is and logged too. It can run any
// number of times: a canonical row is never read again.
func NormaliseNumbers(ctx context.Context, db bun.IDB, normalise func(string) (string, bool), logger *slog.Logger) (NumberReport, error) {
	var report NumberReport
	var rows []userRow
	if err := db.NewSelect().Model(&rows).Column("id", "mobile").Where(candidateRows).Order("id").Scan(ctx); err != nil {
		return report, wrap("normalise numbers: read", err)
	}
	spellings := map[string][]userRow{}
	var numbers []string
	for _, row := range rows {
		canonical, ok := normalise(row.Mobile.String)
		if !ok {
			report.Unreadable = append(report.Unreadable, row.ID)
			continue
		}
		if _, seen := spellings[canonical]; !seen {
			numbers = append(numbers, canonical)
		}
		spellings[canonical] = append(spellings[canonical], row)
	}
	holders, err := canonicalHolders(ctx, db, numbers)
	if err != nil {
		return report, err
	}
	for _, canonical := range numbers {
		group := spellings[canonical]
		ids := make([]int64, 0, len(group)+1)
		if id, held := holders[canonical]; held {
			ids = append(ids, id)
		}
		for _, row := range group {
			ids = append(ids, row.ID)
		}
		if len(ids) > 1 {
			slices.Sort(ids)
			report.Conflicts = append(report.Conflicts, NumberConflict{Canonical: canonical, Rows: ids})
			continue
		}
		row := group[0]
		_, err := db.NewUpdate().Model((*userRow)(nil)).Set("mobile = ?", canonical).
			Where("id = ? AND mobile = ?", row.ID, row.Mobile.String).Exec(ctx)
		switch {
		case uniqueViolation(err): // an account took the number meanwhile
			report.Conflicts = append(report.Conflicts, NumberConflict{Canonical: canonical, Rows: []int64{row.ID}})
		case err != nil:
			return report, wrap("normalise numbers: update", err)
		default:
			report.Normalised++
		}
	}
	report.log(logger)
	return report, nil
}

// canonicalHolders maps each of numbers that a row already stores canonically to that row.
func canonicalHolders(ctx context.Context, db bun.IDB, numbers []string) (map[string]int64, error) {
	held := map[string]int64{}
	for start := 0; start < len(numbers); start += 500 {
		chunk := numbers[start:min(start+500, len(numbers))]
		var rows []userRow
		if err := db.NewSelect().Model(&rows).Column("id", "mobile").Where("mobile IN (?)", bun.List(chunk)).Scan(ctx); err != nil {
			return nil, wrap("normalise numbers: read canonical", err)
		}
		for _, row := range rows {
			held[row.Mobile.String] = row.ID
		}
	}
	return held, nil
}

func (r NumberReport) log(logger *slog.Logger) {
	if logger == nil {
		return
	}
	for _, c := range r.Conflicts {
		logger.Warn("numbers: several accounts have one number; left as they are, settle by hand",
			"number", c.Canonical, "user_ids", joinIDs(c.Rows))
	}
	if len(r.Unreadable) > 0 {
		logger.Warn("numbers: mobiles that are no valid number, left as they are",
			"count", len(r.Unreadable), "user_ids", joinIDs(r.Unreadable[:min(len(r.Unreadable), 50)]))
	}
	if r.Normalised > 0 || len(r.Conflicts) > 0 {
		logger.Info("numbers: stored mobiles normalised to E.164", "rewritten", r.Normalised, "conflicts", len(r.Conflicts))
	}
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ",")
}
