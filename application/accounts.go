// Package application holds the use cases of phone sign-up and login. It speaks only
// domain types and ports; adapters drive it and are driven by it.
package application

import (
	"context"
	"fmt"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Config is what the use cases need from configuration.
type Config struct {
	Mobiles        domain.MobilePolicy
	Passwords      domain.PasswordPolicy
	CodeLength     int
	CodeTTL        time.Duration
	ResendInterval time.Duration
	MaxAttempts    int
	SMSTemplate    string // "{code}" is replaced by the code
	APITokenTTL    time.Duration
	Refresh        domain.RefreshPolicy
	Limits         Limits
	// EnumerationProtection hides whether a mobile is registered: /code/ answers as if it
	// sent a code, and registration reveals a taken username only to the right code.
	EnumerationProtection bool
	// RegisteredTemplate, when set under EnumerationProtection, is texted to a registered
	// mobile that asks for a code.
	RegisteredTemplate string
}

// Limits are the abuse limits; each counter lives in the LimitStore.
type Limits struct {
	MobileDaily   int // codes sent to one mobile per day
	IPHourly      int // codes requested from one client IP per hour
	GlobalHourly  int // codes sent in all per hour: the bill's circuit breaker
	CodeDaily     int // code verifications for one mobile per day, across resends
	LoginAccount  domain.Backoff
	LoginClientIP domain.Backoff
}

// Deps are the driven ports the use cases call.
type Deps struct {
	Users     ports.UserRepository
	Codes     ports.CodeRepository
	Registrar ports.Registrar
	APITokens ports.APITokenRepository
	Sessions  ports.SessionRepository
	Revoked   ports.RevokedTokens
	SMS       ports.SMSSender
	Tokens    ports.AccessTokens
	Passwords ports.PasswordHasher
	Secrets   ports.Secrets
	Clock     ports.Clock
	Limits    ports.LimitStore
	Observer  ports.Observer
	Devices   ports.DeviceTokens
}

// Accounts implements ports.Accounts.
type Accounts struct {
	cfg  Config
	deps Deps
	// dummyHash is verified when a login names no user, so that an unknown user costs
	// the same time as a wrong password and does not reveal itself.
	dummyHash string
}

var _ ports.Accounts = (*Accounts)(nil)

// NewAccounts builds the use cases.
func NewAccounts(cfg Config, deps Deps) (*Accounts, error) {
	dummy, err := deps.Passwords.Hash(context.Background(), "phoneauth timing equaliser")
	if err != nil {
		return nil, fmt.Errorf("dummy password hash: %w", err)
	}
	return &Accounts{cfg: cfg, deps: deps, dummyHash: dummy}, nil
}
