package application

import (
	"context"
	"errors"
	"fmt"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// mobileAndCode checks the two fields every code flow reads and parses the mobile.
func mobileAndCode(cfg Config, rawMobile, code string, more ...domain.FieldError) (domain.Mobile, error) {
	mobileErr := required(rawMobile)
	var mobile domain.Mobile
	if mobileErr == nil {
		var err error
		if mobile, err = cfg.Mobiles.Parse(rawMobile); err != nil {
			mobileErr = domain.ErrInvalidMobile
		}
	}
	codeErr := domain.ErrCodeRequired
	if code != "" {
		codeErr = asDomainError(domain.CheckCodeFormat(code, cfg.CodeLength))
	}
	fields := append([]domain.FieldError{{Field: "mobile", Err: mobileErr}, {Field: "code", Err: codeErr}}, more...)
	if errs := collect(fields...); errs != nil {
		return domain.Mobile{}, errs
	}
	return mobile, nil
}

// idOf is the id of user, or 0 (no user has it) for none.
func idOf(user *domain.User) int64 {
	if user == nil {
		return 0
	}
	return user.ID()
}

// mustBeActive refuses an inactive account as a wrong code would be refused.
func mustBeActive(u *domain.User) error {
	if !u.Active() {
		return domain.ErrCodeMismatch
	}
	return nil
}

// LogInByCode starts a session for a mobile and a code sent to it for logging in.
type LogInByCode struct {
	users       ports.UserRepository
	credentials *Credentials
	devices     ports.DeviceTokens
	clock       ports.Clock
	codes       codeCheck
	sessions    sessionStarter
}

// NewLogInByCode builds the use case.
func NewLogInByCode(cfg Config, users ports.UserRepository, credentials *Credentials, devices ports.DeviceTokens,
	codes ports.CodeRepository, registrar ports.Registrar, secrets ports.Secrets, clock ports.Clock,
	limits ports.LimitStore, observer ports.Observer, sessions ports.SessionRepository, tokens ports.AccessTokens) *LogInByCode {
	return &LogInByCode{users, credentials, devices, clock,
		newCodeCheck(cfg, codes, registrar, secrets, clock, limits, observer),
		sessionStarter{sessions, secrets, tokens, clock}}
}

// Handle verifies the code under both the code budget of the mobile (as registration
// does) and the login limits of the account (as a password login does), and answers as a
// password login does.
func (h *LogInByCode) Handle(ctx context.Context, cmd ports.LogInByCode) (ports.Tokens, error) {
	user, device, err := h.verify(ctx, cmd)
	h.credentials.observe(err)
	if err != nil {
		return ports.Tokens{}, err
	}
	return h.sessions.startOnDevice(ctx, user, device, h.devices)
}

func (h *LogInByCode) verify(ctx context.Context, cmd ports.LogInByCode) (*domain.User, string, error) {
	mobile, err := mobileAndCode(h.codes.cfg, cmd.Mobile, cmd.Code)
	if err != nil {
		return nil, "", err
	}
	user, err := accountOf(ctx, h.users, mobile)
	if err != nil {
		return nil, "", err
	}
	device := ""
	if user != nil {
		if id, ok := h.devices.Check(cmd.DeviceToken, user.ID()); ok {
			device = id
		}
	}
	limits := h.credentials.limitsFor(cmd.Client, mobile.String(), user, device, h.clock.Now())
	if err := h.codes.admit(ctx, mobile, limits.claims...); err != nil {
		return nil, "", codeFieldError(err)
	}
	user, err = h.codes.redeem(ctx, domain.PurposeLogin, mobile, cmd.Code, idOf(user), mustBeActive)
	if err != nil {
		return nil, "", codeFieldError(err)
	}
	if err := h.credentials.limits.settle(ctx, limits.onSuccess...); err != nil {
		return nil, "", err
	}
	if device != "" {
		device = cmd.DeviceToken
	}
	return user, device, nil
}

// ResetPassword sets a forgotten password with a code sent to the account's mobile.
type ResetPassword struct {
	cfg       Config
	users     ports.UserRepository
	passwords ports.PasswordHasher
	codes     codeCheck
	ender     sessionEnder
	starter   sessionStarter
}

// NewResetPassword builds the use case.
func NewResetPassword(cfg Config, users ports.UserRepository, passwords ports.PasswordHasher, codes ports.CodeRepository,
	registrar ports.Registrar, secrets ports.Secrets, clock ports.Clock, limits ports.LimitStore, observer ports.Observer,
	sessions ports.SessionRepository, apiTokens ports.APITokenRepository, tokens ports.AccessTokens) *ResetPassword {
	return &ResetPassword{cfg, users, passwords,
		newCodeCheck(cfg, codes, registrar, secrets, clock, limits, observer),
		sessionEnder{users, sessions, apiTokens}, sessionStarter{sessions, secrets, tokens, clock}}
}

// Handle checks the code (a wrong guess costs no hash), hashes the new password, and
// stores it while using the code up, in one transaction: of two resets racing with one
// code, one wins. Then every session and token of the account ends, its login back-off is
// cleared, and a new session starts.
func (h *ResetPassword) Handle(ctx context.Context, cmd ports.ResetPassword) (ports.Tokens, error) {
	passwordErr := required(cmd.Password)
	if passwordErr == nil {
		passwordErr = asDomainError(h.cfg.Passwords.Check(cmd.Password))
	}
	mobile, err := mobileAndCode(h.cfg, cmd.Mobile, cmd.Code, domain.FieldError{Field: "password", Err: passwordErr})
	if err != nil {
		return ports.Tokens{}, err
	}
	user, err := accountOf(ctx, h.users, mobile)
	if err != nil {
		return ports.Tokens{}, err
	}
	admitted := h.codes.clock.Now()
	if err := h.codes.admit(ctx, mobile); err != nil {
		return ports.Tokens{}, codeFieldError(err)
	}
	if err := h.codes.check(ctx, domain.PurposeResetPassword, mobile, cmd.Code); err != nil {
		return ports.Tokens{}, codeFieldError(err)
	}
	if user == nil || !user.Active() {
		return ports.Tokens{}, codeFieldError(domain.ErrCodeMismatch) // no right code was ever sent to it
	}
	hash, err := h.passwords.Hash(ctx, cmd.Password)
	if unchecked(ctx, err) {
		return ports.Tokens{}, errors.Join(err, h.codes.giveBack(ctx, mobile, admitted))
	}
	if err != nil {
		return ports.Tokens{}, err
	}
	user, err = h.codes.redeem(ctx, domain.PurposeResetPassword, mobile, cmd.Code, user.ID(), func(u *domain.User) error {
		if err := mustBeActive(u); err != nil {
			return err
		}
		u.ChangePassword(hash)
		return nil
	})
	if err != nil {
		return ports.Tokens{}, codeFieldError(err)
	}
	if err := h.ender.revoke(ctx, user.ID()); err != nil {
		return ports.Tokens{}, err
	}
	if err := h.codes.limits.settle(ctx, reset(accountKey(user.ID()))); err != nil {
		return ports.Tokens{}, err
	}
	return h.starter.start(ctx, user)
}

// ChangeMobile moves the caller's account to a new number, with a code sent to it.
type ChangeMobile struct {
	cfg   Config
	users ports.UserRepository
	sms   ports.SMSSender
	codes codeCheck
}

// NewChangeMobile builds the use case.
func NewChangeMobile(cfg Config, users ports.UserRepository, sms ports.SMSSender, codes ports.CodeRepository,
	registrar ports.Registrar, secrets ports.Secrets, clock ports.Clock, limits ports.LimitStore, observer ports.Observer) *ChangeMobile {
	return &ChangeMobile{cfg, users, sms, newCodeCheck(cfg, codes, registrar, secrets, clock, limits, observer)}
}

// Handle checks the new number, verifies the code sent to it and changes the number (and
// a username that was the old number) while using the code up, in one transaction: a
// number another account took meanwhile refuses the change and writes nothing. The old
// number is told.
func (h *ChangeMobile) Handle(ctx context.Context, cmd ports.ChangeMobile) (*domain.User, error) {
	mobile, err := mobileAndCode(h.cfg, cmd.Mobile, cmd.Code)
	if err != nil {
		return nil, err
	}
	caller := cmd.Caller.User
	switch taken, err := h.users.Taken(ctx, h.cfg.Mobiles.Spellings(mobile.String())...); {
	case err != nil:
		return nil, err
	case mobile.String() == h.cfg.Mobiles.Key(caller.Mobile()):
		return nil, domain.FieldErrors{{Field: "mobile", Err: domain.ErrSameMobile}}
	case taken:
		return nil, domain.FieldErrors{{Field: "mobile", Err: domain.ErrUserExists}}
	}
	if err := h.codes.admit(ctx, mobile); err != nil {
		return nil, codeFieldError(err)
	}
	var old string
	user, err := h.codes.redeem(ctx, domain.PurposeChangeMobile, mobile, cmd.Code, caller.ID(), func(u *domain.User) error {
		old = u.Mobile()
		return u.ChangeMobile(mobile, h.cfg.Mobiles.Display(old))
	})
	switch {
	case errors.Is(err, domain.ErrUserExists), errors.Is(err, domain.ErrSameMobile):
		return nil, domain.FieldErrors{{Field: "mobile", Err: asDomainError(err)}}
	case err != nil:
		return nil, codeFieldError(err)
	}
	if old != "" && h.cfg.MobileChangedTemplate != "" {
		// A notice, not part of the change: it outlives a client that has gone, and a
		// failed one is counted by the SMS metrics.
		notice := ports.SMS{Mobile: h.cfg.Mobiles.Display(old), Text: h.cfg.MobileChangedTemplate, Kind: ports.NoticeMobileChanged}
		_ = h.sms.Send(context.WithoutCancel(ctx), notice)
	}
	return user, nil
}

// DeleteAccount removes the caller's account.
type DeleteAccount struct {
	cfg       Config
	users     ports.UserRepository
	passwords ports.PasswordHasher
	clock     ports.Clock
	codes     codeCheck
}

// NewDeleteAccount builds the use case.
func NewDeleteAccount(cfg Config, users ports.UserRepository, passwords ports.PasswordHasher, codes ports.CodeRepository,
	registrar ports.Registrar, secrets ports.Secrets, clock ports.Clock, limits ports.LimitStore, observer ports.Observer) *DeleteAccount {
	return &DeleteAccount{cfg, users, passwords, clock, newCodeCheck(cfg, codes, registrar, secrets, clock, limits, observer)}
}

// Handle checks the proof (a code sent to the account's mobile for logging in, else the
// password under the account's login limit) and deletes the account with its sessions and
// tokens. Codes and limit counters of the number stay: deleting and signing up again buys
// no new SMS budget or guesses.
func (h *DeleteAccount) Handle(ctx context.Context, cmd ports.DeleteAccount) (struct{}, error) {
	user := cmd.Caller.User
	if cmd.Code != "" {
		if err := h.redeemCode(ctx, user, cmd.Code); err != nil {
			return struct{}{}, err
		}
	} else if err := h.checkPassword(ctx, user, cmd.Password); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, h.users.Delete(ctx, user.ID())
}

func (h *DeleteAccount) redeemCode(ctx context.Context, user *domain.User, code string) error {
	if err := domain.CheckCodeFormat(code, h.cfg.CodeLength); err != nil {
		return domain.FieldErrors{{Field: "code", Err: asDomainError(err)}}
	}
	mobile, err := h.cfg.Mobiles.Parse(user.Mobile())
	if err != nil {
		return codeFieldError(domain.ErrCodeMismatch) // no code is ever sent to an invalid mobile
	}
	if err := h.codes.admit(ctx, mobile); err != nil {
		return codeFieldError(err)
	}
	_, err = h.codes.redeem(ctx, domain.PurposeLogin, mobile, code, user.ID(), func(*domain.User) error { return nil })
	return codeFieldError(err)
}

func (h *DeleteAccount) checkPassword(ctx context.Context, user *domain.User, password string) error {
	if err := required(password); err != nil {
		return domain.FieldErrors{{Field: "password", Err: err}}
	}
	account := accountKey(user.ID())
	if err := h.codes.limits.check(ctx, admission(account, h.clock.Now(), h.cfg.Limits.LoginAccount, domain.LimitLoginAccount)); err != nil {
		return err
	}
	ok, err := h.passwords.Verify(ctx, user.PasswordHash(), password)
	switch {
	case unchecked(ctx, err):
		return errors.Join(err, h.codes.limits.settle(context.WithoutCancel(ctx), refund(account)))
	case err != nil:
		return fmt.Errorf("verifying a password hash: %w", err)
	case !ok:
		return domain.FieldErrors{{Field: "password", Err: domain.ErrWrongPassword}}
	}
	return nil
}
