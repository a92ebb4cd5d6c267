package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.RevokedTokens = (*Store)(nil)

type revokedTokenRow struct {
	bun.BaseModel `bun:"table:revoked_tokens,alias:rt"`

	TokenID   string `bun:"token_id,pk"`
	ExpiresAt int64  `bun:"expires_at"`
}

// RevokeToken implements ports.RevokedTokens.
func (s *Store) RevokeToken(ctx context.Context, id string, expiresAt time.Time) error {
	row := revokedTokenRow{TokenID: id, ExpiresAt: expiresAt.UnixMilli()}
	if _, err := s.db.NewInsert().Model(&row).On("CONFLICT (token_id) DO NOTHING").Exec(ctx); err != nil {
		return wrap("revoke token", err)
	}
	return nil
}

// TokenRevoked implements ports.RevokedTokens. A row past its expiry no longer counts, so
// that deleting such rows, whenever that is done, changes nothing.
func (s *Store) TokenRevoked(ctx context.Context, id string, now time.Time) (bool, error) {
	revoked, err := s.db.NewSelect().Model((*revokedTokenRow)(nil)).
		Where("token_id = ?", id).Where("expires_at > ?", now.UnixMilli()).
		Exists(ctx)
	if err != nil {
		return false, wrap("check revoked token", err)
	}
	return revoked, nil
}
