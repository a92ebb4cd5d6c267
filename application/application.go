// Package application holds the use cases of phone sign-up and login, one handler each,
// every handler holding only the ports it uses. It speaks only domain types and ports;
// adapters drive it and are driven by it.
package application

import (
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// New gathers the use cases as inbound adapters see them.
func New(sendCode *SendCode, register *Register, logIn *LogIn, issueAPIToken *IssueAPIToken, refresh *Refresh,
	logOut *LogOut, changePassword *ChangePassword, updateProfile *UpdateProfile, logInByCode *LogInByCode,
	resetPassword *ResetPassword, changeMobile *ChangeMobile, deleteAccount *DeleteAccount,
	authenticate *Authenticate, verifyHuman *VerifyHuman) ports.Application {
	return ports.Application{
		Commands: ports.Commands{
			SendCode: sendCode, Register: register, LogIn: logIn, IssueAPIToken: issueAPIToken, Refresh: refresh,
			LogOut: logOut, ChangePassword: changePassword, UpdateProfile: updateProfile,
			LogInByCode: logInByCode, ResetPassword: resetPassword, ChangeMobile: changeMobile, DeleteAccount: deleteAccount,
		},
		Queries: ports.Queries{Authenticate: authenticate, VerifyHuman: verifyHuman},
	}
}

// Config is what the use cases need from configuration.
type Config struct {
	Mobiles        domain.MobilePolicy
	Passwords      domain.PasswordPolicy
	CodeLength     int
	CodeTTL        time.Duration
	ResendInterval time.Duration
	MaxAttempts    int
	SMSTemplate    string // "{code}" is replaced by the code
	// SMSOrigin, when set, ends each code's text with the origin-bound line "@origin #code"
	// that browsers read to offer the code on that site only (WebOTP, one-time-code autofill).
	SMSOrigin   string
	APITokenTTL time.Duration
	Refresh     domain.RefreshPolicy
	Limits      Limits
	// EnumerationProtection hides whether a mobile is registered: /code/ answers as if it
	// sent a code, and registration reveals a taken username only to the right code.
	EnumerationProtection bool
	// RegisteredTemplate, when set under EnumerationProtection, is texted to a registered
	// mobile that asks for a registration code.
	RegisteredTemplate string
	// UnknownTemplate, when set, is texted to a number without an account that asks for a
	// code to log in or reset a password.
	UnknownTemplate string
	// MobileChangedTemplate, when set, is texted to the old number of an account whose
	// number changed.
	MobileChangedTemplate string
}

// Limits are the abuse limits; each counter lives in the LimitStore.
type Limits struct {
	MobileDaily   int // codes sent to one mobile per day
	IPHourly      int // codes requested from one client IP per hour
	GlobalHourly  int // codes sent in all per hour: the bill's circuit breaker
	CodeDaily     int // code verifications for one mobile per day, across resends
	LoginAccount  domain.Backoff
	LoginClientIP domain.Backoff

	CountryHourly domain.CountryBudgets  // codes sent to each destination region per hour
	Conversion    domain.ConversionGuard // pauses the sends to a region whose codes are not used
}
