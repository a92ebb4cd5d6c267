package ports

import "github.com/phoneauth/phoneauth/domain"

// CountryPauses is told of the conversion guard's pauses: one this replica decided (with
// the figures that tripped it), and one that refused a send, whichever replica decided it.
// The service logs the first and exports both as a metric; an audit trail of the
// operators' events (issue 19) is one more implementation, fanned out to with them.
// Calls must be cheap and safe for concurrent use.
type CountryPauses interface {
	CountryPaused(pause domain.CountryPause)
}
