package ports

import (
	"context"

	"github.com/phoneauth/phoneauth/domain"
)

// ImportStore stores the accounts of another system with their own ids, so that systems
// which reference those ids keep working. Imports repeat safely: what is there is left alone.
type ImportStore interface {
	// ImportUser stores a user under its own id unless the id exists, and reports whether
	// it inserted. A username or mobile held by another id is domain.ErrUserExists.
	ImportUser(ctx context.Context, r domain.UserRecord) (bool, error)
	// ImportAPIToken stores a token unless its key hash exists, and reports whether it
	// inserted. A token of a user that is not stored is domain.ErrUserNotFound.
	ImportAPIToken(ctx context.Context, t domain.APIToken) (bool, error)
	// FinishImport is called after the users are imported: from then on a registration
	// gets an id past every imported one.
	FinishImport(ctx context.Context) error
}
