package sqlstore_test

import (
	"testing"

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
	require.NoError(t, sqlstore.Migrate(t.Context(), db))
	_, err := db.ExecContext(t.Context(), `ALTER TABLE limit_counters ALTER COLUMN key TYPE text COLLATE "en-x-icu"`)
	require.NoError(t, err)
	s := sqlstore.NewStore(db)
	keys := []string{"a:b", "A:a", "a-c"}
	increment := func() error {
		changes := make([]ports.CounterChange, len(keys))
		for i, key := range keys {
			changes[i] = ports.CounterChange{Key: key, Change: func(c *domain.Counter) error { c.N++; return nil }}
		}
		return s.UpdateCounters(t.Context(), changes...)
	}
	require.NoError(t, increment())
	require.NoError(t, increment())
	for _, key := range keys {
		require.NoError(t, s.UpdateCounters(t.Context(), ports.CounterChange{Key: key, Change: func(c *domain.Counter) error {
			assert.Equal(t, 2, c.N, key)
			return nil
		}}))
	}
}
