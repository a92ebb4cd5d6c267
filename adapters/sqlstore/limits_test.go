package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// A database whose collation orders keys otherwise than Go does ("a-c" < "A:a" < "a:b"
// under ICU's English, "A:a" < "a-c" < "a:b" in bytes) still finds every counter.
func TestCountersUnderALinguisticCollation(t *testing.T) {
	db := open(t, testdb.PostgresURL(t))
	var icu bool
	require.NoError(t, db.NewRaw(`SELECT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'en-x-icu')`).Scan(t.Context(), &icu))
	if !icu {
		t.Skip("this Postgres is built without ICU")
	}
	require.NoError(t, sqlstore.Migrate(t.Context(), db))
	_, err := db.ExecContext(t.Context(), `ALTER TABLE limit_counters ALTER COLUMN key TYPE text COLLATE "en-x-icu"`)
	require.NoError(t, err)
	s := sqlstore.NewStore(db)
	// A store that cannot find its rows retries for ever: fail within seconds instead.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	keys := []string{"a:b", "A:a", "a-c"}
	increment := func() error {
		changes := make([]ports.CounterChange, len(keys))
		for i, key := range keys {
			changes[i] = ports.CounterChange{Key: key, Change: func(c *domain.Counter) error { c.N++; return nil }}
		}
		return s.UpdateCounters(ctx, changes...)
	}
	require.NoError(t, increment())
	require.NoError(t, increment())
	for _, key := range keys {
		require.NoError(t, s.UpdateCounters(ctx, ports.CounterChange{Key: key, Change: func(c *domain.Counter) error {
			assert.Equal(t, 2, c.N, key)
			return nil
		}}))
	}
}
