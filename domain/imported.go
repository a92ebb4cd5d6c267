package domain

import "time"

// ImportedAPIToken is an opaque API token that another system issued (DRF's authtoken),
// as its client holds it: the key in clear. Importing stores only the key's hash. It is a
// plain value, read once from the other system.
type ImportedAPIToken struct {
	Key     string
	UserID  int64
	Created time.Time
}
