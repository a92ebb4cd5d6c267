package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var (
	_ ports.UserRepository     = (*Store)(nil)
	_ ports.CodeRepository     = (*Store)(nil)
	_ ports.Registrar          = (*Store)(nil)
	_ ports.APITokenRepository = (*Store)(nil)
)

// Store implements every persistence port on one database, SQLite or PostgreSQL.
type Store struct {
	db      *bun.DB
	session sessionLookup
}

// NewStore returns a store on db, which must be migrated (see Migrate).
func NewStore(db *bun.DB) *Store {
	return &Store{db: db}
}

// forUpdate locks the selected row until the transaction ends. This is the one place the
// dialects differ: SQLite has no row locks and needs none, because every transaction
// holds the database's write lock from its start (see Open).
func (s *Store) forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if s.db.Dialect().Name() == dialect.PG {
		return q.For("UPDATE")
	}
	return q
}

const birthdayLayout = "2006-01-02"

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID           int64          `bun:"id,pk,autoincrement"`
	Username     string         `bun:"username"`
	Mobile       sql.NullString `bun:"mobile"`
	PasswordHash string         `bun:"password_hash"`
	Name         string         `bun:"name"`
	Gender       string         `bun:"gender"`
	Birthday     sql.NullString `bun:"birthday"`
	Email        string         `bun:"email"`
	Active       bool           `bun:"active"`
	DateJoined   int64          `bun:"date_joined"`
	TokenVersion int            `bun:"token_version"`
}

func userRowFrom(u *domain.User) userRow {
	row := userRow{
		ID:           u.ID(),
		Username:     u.Username(),
		Mobile:       sql.NullString{String: u.Mobile(), Valid: u.Mobile() != ""},
		PasswordHash: u.PasswordHash(),
		Name:         u.Name(),
		Gender:       string(u.Gender()),
		Email:        u.Email(),
		Active:       u.Active(),
		DateJoined:   u.DateJoined().UnixMilli(),
		TokenVersion: u.TokenVersion(),
	}
	if !u.Birthday().IsZero() {
		row.Birthday = sql.NullString{String: u.Birthday().Format(birthdayLayout), Valid: true}
	}
	return row
}

func (row userRow) user() (*domain.User, error) {
	var birthday time.Time
	if row.Birthday.Valid {
		d, err := time.Parse(birthdayLayout, row.Birthday.String)
		if err != nil {
			return nil, fmt.Errorf("user %d: stored birthday: %w", row.ID, err)
		}
		birthday = d
	}
	return domain.UnmarshalUserFromDatabase(domain.UserRecord{
		ID:           row.ID,
		Username:     row.Username,
		Mobile:       row.Mobile.String,
		PasswordHash: row.PasswordHash,
		Name:         row.Name,
		Gender:       domain.Gender(row.Gender),
		Birthday:     birthday,
		Email:        row.Email,
		Active:       row.Active,
		DateJoined:   time.UnixMilli(row.DateJoined),
		TokenVersion: row.TokenVersion,
	}), nil
}

type codeRow struct {
	bun.BaseModel `bun:"table:verify_codes,alias:c"`

	Mobile      string        `bun:"mobile,pk"`
	CodeHash    []byte        `bun:"code_hash"`
	SentAt      sql.NullInt64 `bun:"sent_at"` // NULL: no code sent yet, only a reservation
	ExpiresAt   int64         `bun:"expires_at"`
	Attempts    int           `bun:"attempts"`
	MaxAttempts int           `bun:"max_attempts"`
	Consumed    bool          `bun:"consumed"`
	ReservedAt  sql.NullInt64 `bun:"reserved_at"`
}

func codeRowFrom(c *domain.VerifyCode) codeRow {
	return codeRow{
		Mobile:      c.Mobile(),
		CodeHash:    c.Hash(),
		SentAt:      sql.NullInt64{Int64: c.SentAt().UnixMilli(), Valid: true},
		ExpiresAt:   c.ExpiresAt().UnixMilli(),
		Attempts:    c.Attempts(),
		MaxAttempts: c.MaxAttempts(),
		Consumed:    c.Consumed(),
	}
}

func (row codeRow) code() *domain.VerifyCode {
	return domain.UnmarshalVerifyCodeFromDatabase(row.Mobile, row.CodeHash,
		time.UnixMilli(row.SentAt.Int64), time.UnixMilli(row.ExpiresAt),
		row.Attempts, row.MaxAttempts, row.Consumed)
}

type tokenRow struct {
	bun.BaseModel `bun:"table:api_tokens,alias:t"`

	KeyHash   []byte `bun:"key_hash,pk"`
	UserID    int64  `bun:"user_id"`
	CreatedAt int64  `bun:"created_at"`
	ExpiresAt int64  `bun:"expires_at"`
}

// ByID implements ports.UserRepository.
func (s *Store) ByID(ctx context.Context, id int64) (*domain.User, error) {
	var row userRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound("find user by id", err, domain.ErrUserNotFound)
	}
	return row.user()
}

// ByLogin implements ports.UserRepository: a username match wins over a mobile match.
func (s *Store) ByLogin(ctx context.Context, login string) (*domain.User, error) {
	var row userRow
	err := s.db.NewSelect().Model(&row).
		Where("username = ?", login).WhereOr("mobile = ?", login).
		OrderExpr("CASE WHEN username = ? THEN 0 ELSE 1 END", login).
		Limit(1).
		Scan(ctx)
	if err != nil {
		return nil, notFound("find user by login", err, domain.ErrUserNotFound)
	}
	return row.user()
}

// Taken implements ports.UserRepository.
func (s *Store) Taken(ctx context.Context, values ...string) (bool, error) {
	if len(values) == 0 {
		return false, nil
	}
	taken, err := s.db.NewSelect().Model((*userRow)(nil)).
		Where("username IN (?)", bun.List(values)).WhereOr("mobile IN (?)", bun.List(values)).
		Exists(ctx)
	if err != nil {
		return false, wrap("check username or mobile", err)
	}
	return taken, nil
}

// Update implements ports.UserRepository. Only what a *domain.User can change is written
// back: the profile, the password hash and the token version.
func (s *Store) Update(ctx context.Context, id int64, change func(*domain.User) error) (*domain.User, error) {
	var (
		updated   *domain.User
		changeErr error
	)
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var row userRow
		err := s.forUpdate(tx.NewSelect().Model(&row).Where("id = ?", id)).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.ErrUserNotFound
		}
		if err != nil {
			return fmt.Errorf("load user: %w", err)
		}
		u, err := row.user()
		if err != nil {
			return fmt.Errorf("load user: %w", err)
		}
		if changeErr = change(u); changeErr != nil {
			return changeErr
		}
		next := userRowFrom(u)
		if _, err := tx.NewUpdate().Model(&next).
			Column("name", "gender", "birthday", "email", "password_hash", "token_version").
			WherePK().
			Exec(ctx); err != nil {
			return fmt.Errorf("write user: %w", err)
		}
		updated = u
		return nil
	})
	switch {
	case changeErr != nil:
		return nil, changeErr
	case err != nil:
		return nil, txError("update user", err)
	}
	return updated, nil
}

// Reserve implements ports.CodeRepository with one upsert: it claims the row unless a code
// was sent or reserved after notBefore, and returns the row only when it claimed it.
func (s *Store) Reserve(ctx context.Context, mobile string, now, notBefore time.Time) error {
	var claimed string
	err := s.db.NewRaw(`
		INSERT INTO verify_codes (mobile, reserved_at) VALUES (?, ?)
		ON CONFLICT (mobile) DO UPDATE SET reserved_at = excluded.reserved_at
		WHERE (verify_codes.sent_at IS NULL OR verify_codes.sent_at <= ?)
		  AND (verify_codes.reserved_at IS NULL OR verify_codes.reserved_at <= ?)
		RETURNING mobile`,
		mobile, now.UnixMilli(), notBefore.UnixMilli(), notBefore.UnixMilli(),
	).Scan(ctx, &claimed)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.ErrResendTooSoon
	}
	if err != nil {
		return wrap("reserve code", err)
	}
	return nil
}

// Release implements ports.CodeRepository: a reservation made at another time (a newer
// one, or none) is left alone.
func (s *Store) Release(ctx context.Context, mobile string, reservedAt time.Time) error {
	_, err := s.db.NewUpdate().Model((*codeRow)(nil)).
		Set("reserved_at = NULL").
		Where("mobile = ?", mobile).
		Where("reserved_at = ?", reservedAt.UnixMilli()).
		Exec(ctx)
	if err != nil {
		return wrap("release code reservation", err)
	}
	return nil
}

// Save implements ports.CodeRepository.
func (s *Store) Save(ctx context.Context, code *domain.VerifyCode) error {
	row := codeRowFrom(code)
	_, err := s.db.NewInsert().Model(&row).
		On("CONFLICT (mobile) DO UPDATE").
		Set("code_hash = excluded.code_hash").
		Set("sent_at = excluded.sent_at").
		Set("expires_at = excluded.expires_at").
		Set("attempts = excluded.attempts").
		Set("max_attempts = excluded.max_attempts").
		Set("consumed = excluded.consumed").
		Set("reserved_at = NULL").
		Exec(ctx)
	if err != nil {
		return wrap("save code", err)
	}
	return nil
}

// Newest implements ports.CodeRepository; a reservation without a sent code is no code.
func (s *Store) Newest(ctx context.Context, mobile string) (*domain.VerifyCode, error) {
	var row codeRow
	err := s.db.NewSelect().Model(&row).Where("mobile = ?", mobile).Where("sent_at IS NOT NULL").Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, wrap("find newest code", err)
	}
	return row.code(), nil
}

// Register implements ports.Registrar in one transaction that holds the code's row.
func (s *Store) Register(ctx context.Context, mobile string, decide func(*domain.VerifyCode) (*domain.User, error)) (*domain.User, error) {
	var (
		created   *domain.User
		decideErr error
	)
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		code, err := s.lockCode(ctx, tx, mobile)
		if err != nil {
			return err
		}
		var user *domain.User
		user, decideErr = decide(code)
		if err := writeCode(ctx, tx, code); err != nil {
			return err
		}
		if decideErr != nil || user == nil {
			return nil
		}
		newRow := userRowFrom(user)
		newRow.ID = 0
		if _, err := tx.NewInsert().Model(&newRow).Returning("id").Exec(ctx); err != nil {
			if uniqueViolation(err) {
				return domain.ErrUserExists
			}
			return fmt.Errorf("insert user: %w", err)
		}
		created, err = newRow.user()
		return err
	})
	switch {
	case err != nil:
		return nil, txError("register", err)
	case decideErr != nil:
		return nil, decideErr
	}
	return created, nil
}

// Redeem implements ports.Registrar. The code's row is locked before the user's, as
// Register does, so that the two never wait for each other in a cycle.
func (s *Store) Redeem(ctx context.Context, mobile string, userID int64, decide func(*domain.VerifyCode, *domain.User) error) (*domain.User, error) {
	var (
		redeemed  *domain.User
		decideErr error
	)
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		code, err := s.lockCode(ctx, tx, mobile)
		if err != nil {
			return err
		}
		var (
			row  userRow
			user *domain.User
		)
		err = s.forUpdate(tx.NewSelect().Model(&row).Where("id = ?", userID)).Scan(ctx)
		switch {
		case err == nil:
			if user, err = row.user(); err != nil {
				return fmt.Errorf("load user: %w", err)
			}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("load user: %w", err)
		}
		decideErr = decide(code, user)
		if err := writeCode(ctx, tx, code); err != nil {
			return err
		}
		if decideErr != nil || user == nil {
			return nil
		}
		next := userRowFrom(user)
		if _, err := tx.NewUpdate().Model(&next).
			Column("username", "mobile", "password_hash", "token_version").
			WherePK().
			Exec(ctx); err != nil {
			if uniqueViolation(err) {
				return domain.ErrUserExists
			}
			return fmt.Errorf("write user: %w", err)
		}
		redeemed = user
		return nil
	})
	switch {
	case err != nil:
		return nil, txError("redeem a code", err)
	case decideErr != nil:
		return nil, decideErr
	}
	return redeemed, nil
}

// lockCode loads the newest code sent to mobile, locking its row; nil when none was sent.
func (s *Store) lockCode(ctx context.Context, tx bun.Tx, mobile string) (*domain.VerifyCode, error) {
	var row codeRow
	err := s.forUpdate(tx.NewSelect().Model(&row).Where("mobile = ?", mobile)).Scan(ctx)
	switch {
	case err == nil && row.SentAt.Valid:
		return row.code(), nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("load code: %w", err)
	}
	return nil, nil
}

// writeCode stores what verifying did to code: its attempts and whether it was used.
func writeCode(ctx context.Context, tx bun.Tx, code *domain.VerifyCode) error {
	if code == nil {
		return nil
	}
	if _, err := tx.NewUpdate().Model((*codeRow)(nil)).
		Set("attempts = ?", code.Attempts()).
		Set("consumed = ?", code.Consumed()).
		Where("mobile = ?", code.Mobile()).
		Exec(ctx); err != nil {
		return fmt.Errorf("write code: %w", err)
	}
	return nil
}

// Delete implements ports.UserRepository; the schema's cascades remove the user's
// sessions, refresh tokens and API tokens with it.
func (s *Store) Delete(ctx context.Context, id int64) error {
	res, err := s.db.NewDelete().Model((*userRow)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return wrap("delete user", err)
	}
	n, err := res.RowsAffected()
	switch {
	case err != nil:
		return wrap("delete user", err)
	case n == 0:
		return domain.ErrUserNotFound
	}
	return nil
}

// Create implements ports.APITokenRepository.
func (s *Store) Create(ctx context.Context, token domain.APIToken) error {
	row := tokenRow{
		KeyHash:   token.KeyHash,
		UserID:    token.UserID,
		CreatedAt: token.CreatedAt.UnixMilli(),
		ExpiresAt: token.ExpiresAt.UnixMilli(),
	}
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		if foreignKeyViolation(err) {
			return domain.ErrUserNotFound
		}
		return wrap("create api token", err)
	}
	return nil
}

// Find implements ports.APITokenRepository.
func (s *Store) Find(ctx context.Context, keyHash []byte) (domain.APIToken, error) {
	var row tokenRow
	if err := s.db.NewSelect().Model(&row).Where("key_hash = ?", keyHash).Scan(ctx); err != nil {
		return domain.APIToken{}, notFound("find api token", err, domain.ErrTokenInvalid)
	}
	return domain.APIToken{
		KeyHash:   row.KeyHash,
		UserID:    row.UserID,
		CreatedAt: time.UnixMilli(row.CreatedAt).UTC(),
		ExpiresAt: time.UnixMilli(row.ExpiresAt).UTC(),
	}, nil
}

// DeleteAPIToken implements ports.APITokenRepository.
func (s *Store) DeleteAPIToken(ctx context.Context, keyHash []byte) error {
	if _, err := s.db.NewDelete().Model((*tokenRow)(nil)).Where("key_hash = ?", keyHash).Exec(ctx); err != nil {
		return wrap("delete api token", err)
	}
	return nil
}

// DeleteUserAPITokens implements ports.APITokenRepository.
func (s *Store) DeleteUserAPITokens(ctx context.Context, userID int64) error {
	if _, err := s.db.NewDelete().Model((*tokenRow)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return wrap("delete api tokens", err)
	}
	return nil
}

// notFound turns "no rows" into missing, and wraps any other error.
func notFound(op string, err error, missing error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return missing
	}
	return wrap(op, err)
}

// txError passes on the domain errors a transaction decided on and wraps the rest: a
// failed statement, BEGIN or COMMIT.
func txError(op string, err error) error {
	if errors.Is(err, domain.ErrUserNotFound) || errors.Is(err, domain.ErrUserExists) {
		return err
	}
	return wrap(op, err)
}
