// Package sms holds the SMS providers: the console (development), a recording fake,
// YunPian, Tencent Cloud SMS, a signed webhook, and a failover chain over any of them.
package sms

import (
	"fmt"

	"github.com/phoneauth/phoneauth/domain"
)

// unavailable marks err as the provider being unreachable, keeping err for logs.
// Callers never pass the text or a key in err: error strings end up in logs.
func unavailable(err error) error {
	return fmt.Errorf("%w: %w", domain.ErrSMSUnavailable, err)
}
