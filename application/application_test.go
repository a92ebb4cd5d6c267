package application_test

import (
	"bytes"
	"context"
	"crypto/subtle"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/jwttoken"
	"github.com/phoneauth/phoneauth/adapters/memory"
	"github.com/phoneauth/phoneauth/adapters/secret"
	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/application"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
	"github.com/phoneauth/phoneauth/test/contract"
)

// The use cases' rules, on the in-memory adapters: no database, no HTTP.

// plainHasher stands in for Argon2id: these tests are about rules, not hashing.
type plainHasher struct{}

func (plainHasher) Hash(_ context.Context, pw string) (string, error) { return "plain$" + pw, nil }
func (plainHasher) Verify(_ context.Context, encoded, pw string) (bool, error) {
	return subtle.ConstantTimeCompare([]byte(encoded), []byte("plain$"+pw)) == 1, nil
}
func (plainHasher) NeedsRehash(string) bool { return false }

type events struct{ refused []domain.LimitReason }

func (e *events) Refused(r domain.LimitReason) { e.refused = append(e.refused, r) }
func (*events) Code(domain.CodeEvent)          {}
func (*events) Login(domain.LoginOutcome)      {}

type world struct {
	hasher        *shedder
	store         *memory.Store
	sms           *sms.Fake
	clock         *contract.TestClock
	events        *events
	secrets       *secret.Secrets
	tokens        ports.AccessTokens
	sendCode      *application.SendCode
	register      *application.Register
	logIn         *application.LogIn
	logInByCode   *application.LogInByCode
	resetPassword *application.ResetPassword
	changeMobile  *application.ChangeMobile
	deleteAccount *application.DeleteAccount
}

func newWorld(t *testing.T, change func(*application.Config)) *world {
	mobiles, err := domain.NewMobilePolicy(`^1[3-9]\d{9}$`)
	require.NoError(t, err)
	backoff := domain.Backoff{Free: 1, Base: time.Second, Max: time.Minute, HardLimit: 100, HardWait: time.Hour}
	cfg := application.Config{
		Mobiles: mobiles, Passwords: domain.PasswordPolicy{MinLength: 8}, CodeLength: 6, CodeTTL: 5 * time.Minute,
		ResendInterval: time.Minute, MaxAttempts: 5, SMSTemplate: "code {code}", APITokenTTL: time.Hour,
		Refresh: domain.RefreshPolicy{Idle: time.Hour, Max: 24 * time.Hour},
		Limits: application.Limits{MobileDaily: 10, IPHourly: 10, GlobalHourly: 100, CodeDaily: 20,
			LoginAccount: backoff, LoginClientIP: backoff},
	}
	if change != nil {
		change(&cfg)
	}
	w := &world{hasher: &shedder{}, store: memory.NewStore(), sms: sms.NewFake(), events: &events{},
		clock: contract.NewTestClock(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)), secrets: secret.New([]byte("code key"))}
	tokens := jwttoken.NewHS256([]byte("a secret of thirty-two bytes or more"), time.Hour, w.clock)
	devices := secret.NewDeviceTokens([]byte("device key"))
	w.sendCode = application.NewSendCode(cfg, w.store, w.store, w.sms, w.secrets, w.clock, w.store, w.events, &pauses{})
	w.register = application.NewRegister(cfg, w.store, w.store, w.store, w.hasher, w.secrets, w.clock, w.store,
		w.events, w.store, tokens)
	credentials, err := application.NewCredentials(cfg, w.store, w.hasher, devices, w.clock, w.store, w.events)
	require.NoError(t, err)
	w.logIn = application.NewLogIn(credentials, devices, w.secrets, w.clock, w.store, tokens)
	w.tokens = tokens
	w.logInByCode = application.NewLogInByCode(cfg, w.store, credentials, devices, w.store, w.store, w.secrets, w.clock,
		w.store, w.events, w.store, tokens)
	w.resetPassword = application.NewResetPassword(cfg, w.store, w.hasher, w.store, w.store, w.secrets, w.clock,
		w.store, w.events, w.store, w.store, tokens)
	w.changeMobile = application.NewChangeMobile(cfg, w.store, w.sms, w.store, w.store, w.secrets, w.clock, w.store, w.events)
	w.deleteAccount = application.NewDeleteAccount(cfg, w.store, w.hasher, w.store, w.store, w.secrets, w.clock,
		w.store, w.events)
	return w
}

// code asks for a code for mobile and returns it.
func (w *world) code(t *testing.T, mobile string) string {
	t.Helper()
	_, err := w.sendCode.Handle(t.Context(), ports.SendCode{Client: ports.Client{IP: "203.0.113.1"}, Mobile: mobile})
	require.NoError(t, err)
	w.sendCode.Wait()
	outbox := w.sms.Outbox()
	return outbox[len(outbox)-1].Text[len("code "):]
}

// codeFor asks for a code for purpose, as caller (nil for none), and returns the code
// texted, or "" when no text went out. The resend interval of the mobile is over first.
func (w *world) codeFor(t *testing.T, purpose domain.Purpose, mobile string, caller *domain.User) string {
	t.Helper()
	w.clock.Advance(time.Minute)
	sent := len(w.sms.Outbox())
	_, err := w.sendCode.Handle(t.Context(), ports.SendCode{Client: ports.Client{IP: "203.0.113.1"},
		Caller: ports.Principal{User: caller}, Mobile: mobile, Purpose: string(purpose)})
	require.NoError(t, err)
	w.sendCode.Wait()
	outbox := w.sms.Outbox()
	if len(outbox) == sent {
		return ""
	}
	require.Equal(t, mobile, outbox[len(outbox)-1].Mobile)
	return outbox[len(outbox)-1].Text[len("code "):]
}

// signUp registers mobile with password and returns the user and its tokens.
func (w *world) signUp(t *testing.T, mobile, password string) (*domain.User, ports.Tokens) {
	t.Helper()
	reg, err := w.register.Handle(t.Context(), ports.Register{Username: mobile, Code: w.code(t, mobile), Password: password})
	require.NoError(t, err)
	return reg.User, reg.Tokens
}

// user reads the stored user with id.
func (w *world) user(t *testing.T, id int64) *domain.User {
	t.Helper()
	u, err := w.store.ByID(t.Context(), id)
	require.NoError(t, err)
	return u
}

// wrongCode is a code that is not code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func fieldErr(field string, err *domain.Error) domain.FieldErrors {
	return domain.FieldErrors{{Field: field, Err: err}}
}

func TestSendCodeRules(t *testing.T) {
	w := newWorld(t, nil)
	send := func(mobile string) error {
		_, err := w.sendCode.Handle(t.Context(), ports.SendCode{Client: ports.Client{IP: "203.0.113.1"}, Mobile: mobile})
		return err
	}
	assert.Equal(t, fieldErr("mobile", domain.ErrRequired), send(""), "no value is a rule too, for any caller")
	assert.Equal(t, fieldErr("mobile", domain.ErrInvalidMobile), send("12345"))
	require.NoError(t, send("13800000001"))
	assert.ErrorIs(t, send("13800000001"), domain.ErrResendTooSoon)
	assert.Equal(t, []domain.LimitReason{domain.LimitResendInterval}, w.events.refused)
}

// A refusal by the vendor sends nothing and so costs nothing: the mobile's one daily code is
// still there.
func TestSendCodeChargesOnlyWhatWentOut(t *testing.T) {
	w := newWorld(t, func(c *application.Config) { c.Limits.MobileDaily = 1 })
	w.sms.Refuse("号码格式错误")
	_, err := w.sendCode.Handle(t.Context(), ports.SendCode{Mobile: "13800000002"})
	var errs domain.FieldErrors
	require.ErrorAs(t, err, &errs)
	assert.ErrorIs(t, err, domain.ErrSMSRefused)
	w.sms.Recover()
	w.code(t, "13800000002")
	assert.Len(t, w.sms.Outbox(), 1)
}

// A wrong code counts against its attempts even when the rest of the registration fails,
// and every failing field is reported at once.
func TestRegisterChecksTheCodeWhateverElseFails(t *testing.T) {
	w := newWorld(t, nil)
	code := w.code(t, "13800000003")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err := w.register.Handle(t.Context(), ports.Register{Username: "13800000003", Code: wrong, Password: "short"})
	assert.Equal(t, domain.FieldErrors{
		{Field: "code", Err: domain.ErrCodeMismatch},
		{Field: "password", Err: domain.ErrPasswordTooShort.WithParam("8")},
	}, err)
	stored, err := w.store.Newest(t.Context(), "13800000003")
	require.NoError(t, err)
	assert.Equal(t, 1, stored.Attempts())

	reg, err := w.register.Handle(t.Context(), ports.Register{Username: "13800000003", Code: code, Password: "long enough"})
	require.NoError(t, err)
	assert.Equal(t, "13800000003", reg.User.Mobile())
	assert.NotEmpty(t, reg.Access)

	_, err = w.register.Handle(t.Context(), ports.Register{Username: "13800000003", Code: code, Password: "long enough"})
	assert.ErrorIs(t, err, domain.ErrUserExists)
}

// Under enumeration protection only the right code learns that a mobile is registered.
func TestRegisterHidesATakenMobileFromAWrongCode(t *testing.T) {
	w := newWorld(t, func(c *application.Config) { c.EnumerationProtection = true })
	code := w.code(t, "13800000004")
	_, err := w.register.Handle(t.Context(), ports.Register{Username: "13800000004", Code: code, Password: "long enough"})
	require.NoError(t, err)
	_, err = w.register.Handle(t.Context(), ports.Register{Username: "13800000004", Code: "123456", Password: "long enough"})
	assert.Equal(t, fieldErr("code", domain.ErrCodeMismatch), err)
}

// A known device is judged on its own failures: the account's throttle does not refuse it.
func TestLogInJudgesAKnownDeviceOnItsOwnRecord(t *testing.T) {
	w := newWorld(t, nil)
	code := w.code(t, "13800000005")
	_, err := w.register.Handle(t.Context(), ports.Register{Username: "13800000005", Code: code, Password: "long enough"})
	require.NoError(t, err)
	owner := ports.Client{IP: "198.51.100.1"}
	first, err := w.logIn.Handle(t.Context(), ports.LogIn{Client: owner, Username: "13800000005", Password: "long enough"})
	require.NoError(t, err)
	require.NotEmpty(t, first.DeviceToken)

	_, err = w.logIn.Handle(t.Context(), ports.LogIn{Client: ports.Client{IP: "203.0.113.9"}, Username: "13800000005", Password: "guess"})
	assert.Equal(t, fieldErr("non_field_errors", domain.ErrInvalidCredentials), err)
	_, err = w.logIn.Handle(t.Context(), ports.LogIn{Client: owner, Username: "13800000005", Password: "long enough"})
	assert.ErrorIs(t, err, domain.ErrThrottled, "the account waits")

	again, err := w.logIn.Handle(t.Context(), ports.LogIn{Client: owner, Username: "13800000005", Password: "long enough", DeviceToken: first.DeviceToken})
	require.NoError(t, err)
	assert.Equal(t, first.DeviceToken, again.DeviceToken)
}

// A code is good only for the purpose it was sent for, and a wrong purpose spends a guess
// as any wrong code does.
func TestCodesAreGoodOnlyForTheirPurpose(t *testing.T) {
	w := newWorld(t, nil)
	user, _ := w.signUp(t, "13800000011", "long enough")
	client := ports.Client{IP: "198.51.100.1"}

	login := w.codeFor(t, domain.PurposeLogin, "13800000011", nil)
	_, err := w.resetPassword.Handle(t.Context(), ports.ResetPassword{Client: client, Mobile: "13800000011", Code: login, Password: "another one"})
	assert.Equal(t, fieldErr("code", domain.ErrCodeMismatch), err, "a login code does not reset a password")
	stored, err := w.store.Newest(t.Context(), "13800000011")
	require.NoError(t, err)
	assert.Equal(t, 1, stored.Attempts())
	_, err = w.logInByCode.Handle(t.Context(), ports.LogInByCode{Client: client, Mobile: "13800000011", Code: login})
	require.NoError(t, err, "and is still good for logging in")

	reset := w.codeFor(t, domain.PurposeResetPassword, "13800000011", nil)
	_, err = w.logInByCode.Handle(t.Context(), ports.LogInByCode{Client: client, Mobile: "13800000011", Code: reset})
	assert.Equal(t, fieldErr("code", domain.ErrCodeMismatch), err, "a reset code does not log in")
	_, err = w.resetPassword.Handle(t.Context(), ports.ResetPassword{Client: client, Mobile: "13800000011", Code: reset, Password: "another one"})
	require.NoError(t, err, "and is still good for a reset")

	change := w.codeFor(t, domain.PurposeChangeMobile, "13800000012", user)
	_, err = w.register.Handle(t.Context(), ports.Register{Username: "13800000012", Code: change, Password: "long enough"})
	assert.Equal(t, fieldErr("code", domain.ErrCodeMismatch), err, "a code to change a number does not sign up")
	_, err = w.changeMobile.Handle(t.Context(), ports.ChangeMobile{Caller: ports.Principal{User: w.user(t, user.ID())}, Mobile: "13800000012", Code: change})
	require.NoError(t, err, "and is still good for the change")

	register := w.codeFor(t, domain.PurposeRegister, "13800000013", nil)
	_, err = w.changeMobile.Handle(t.Context(), ports.ChangeMobile{Caller: ports.Principal{User: w.user(t, user.ID())}, Mobile: "13800000013", Code: register})
	assert.Equal(t, fieldErr("code", domain.ErrCodeMismatch), err, "a sign-up code does not change a number")
}

func TestLogInByCode(t *testing.T) {
	w := newWorld(t, nil)
	user, _ := w.signUp(t, "13800000021", "long enough")
	client := ports.Client{IP: "198.51.100.1"}
	code := w.codeFor(t, domain.PurposeLogin, "13800000021", nil)
	require.NotEmpty(t, code, "an account's number is sent its code")

	_, err := w.logInByCode.Handle(t.Context(), ports.LogInByCode{Client: client, Mobile: "13800000021", Code: wrongCode(code)})
	assert.Equal(t, fieldErr("code", domain.ErrCodeMismatch), err)
	stored, err := w.store.Newest(t.Context(), "13800000021")
	require.NoError(t, err)
	assert.Equal(t, 1, stored.Attempts(), "the wrong code is counted")

	w.clock.Advance(time.Minute) // past the back-off the wrong code earned
	tokens, err := w.logInByCode.Handle(t.Context(), ports.LogInByCode{Client: client, Mobile: "13800000021", Code: code})
	require.NoError(t, err)
	assert.NotEmpty(t, tokens.Refresh)
	assert.NotEmpty(t, tokens.DeviceToken)
	claims, err := w.tokens.Verify(tokens.Access)
	require.NoError(t, err)
	assert.Equal(t, user.ID(), claims.UserID)
	session, _, err := w.store.Session(t.Context(), claims.Session)
	require.NoError(t, err, "the access token belongs to a stored session")
	assert.False(t, session.Revoked)

	w.clock.Advance(time.Minute)
	_, err = w.logInByCode.Handle(t.Context(), ports.LogInByCode{Client: client, Mobile: "13800000021", Code: code})
	assert.Equal(t, fieldErr("code", domain.ErrCodeMismatch), err, "a code logs in once")
}

// A reset ends every session and token of the account, as a password change does, and
// clears the account's login back-off, so that the owner logs in with the new password at
// once.
func TestResetPasswordEndsSessionsAndClearsTheBackoff(t *testing.T) {
	w := newWorld(t, nil)
	user, first := w.signUp(t, "13800000031", "long enough")
	before := w.user(t, user.ID()).TokenVersion()
	firstClaims, err := w.tokens.Verify(first.Access)
	require.NoError(t, err)
	apiKey := w.secrets.APIKeyHash("an api key")
	require.NoError(t, w.store.Create(t.Context(), domain.APIToken{KeyHash: apiKey, UserID: user.ID(),
		CreatedAt: w.clock.Now(), ExpiresAt: w.clock.Now().Add(time.Hour)}))
	code := w.codeFor(t, domain.PurposeResetPassword, "13800000031", nil)

	owner := ports.Client{IP: "198.51.100.1"}
	_, err = w.logIn.Handle(t.Context(), ports.LogIn{Client: ports.Client{IP: "203.0.113.9"}, Username: "13800000031", Password: "a guess"})
	require.Equal(t, fieldErr("non_field_errors", domain.ErrInvalidCredentials), err)
	_, err = w.logIn.Handle(t.Context(), ports.LogIn{Client: owner, Username: "13800000031", Password: "long enough"})
	require.ErrorIs(t, err, domain.ErrThrottled, "the account backs off")

	tokens, err := w.resetPassword.Handle(t.Context(), ports.ResetPassword{Client: owner, Mobile: "13800000031", Code: code, Password: "a new password"})
	require.NoError(t, err)

	after := w.user(t, user.ID())
	assert.Greater(t, after.TokenVersion(), before, "access tokens issued before stop working")
	session, _, err := w.store.Session(t.Context(), firstClaims.Session)
	require.NoError(t, err)
	assert.True(t, session.Revoked, "the session from before is ended")
	_, err = w.store.Find(t.Context(), apiKey)
	assert.ErrorIs(t, err, domain.ErrTokenInvalid, "API tokens are ended")
	claims, err := w.tokens.Verify(tokens.Access)
	require.NoError(t, err)
	assert.Equal(t, after.TokenVersion(), claims.Version, "the new token is of the new version")
	session, _, err = w.store.Session(t.Context(), claims.Session)
	require.NoError(t, err)
	assert.False(t, session.Revoked, "the reset starts a session")

	_, err = w.logIn.Handle(t.Context(), ports.LogIn{Client: owner, Username: "13800000031", Password: "a new password"})
	require.NoError(t, err, "no back-off is left, and the new password is the one")
	_, err = w.logIn.Handle(t.Context(), ports.LogIn{Client: owner, Username: "13800000031", Password: "long enough"})
	assert.Equal(t, fieldErr("non_field_errors", domain.ErrInvalidCredentials), err, "the old password is gone")
}

func TestChangeMobileRefusesTheSameOrATakenNumber(t *testing.T) {
	w := newWorld(t, func(c *application.Config) { c.MobileChangedTemplate = "your number changed" })
	user, _ := w.signUp(t, "13800000041", "long enough")
	w.signUp(t, "13800000042", "long enough")
	caller := ports.Principal{User: w.user(t, user.ID())}

	_, err := w.changeMobile.Handle(t.Context(), ports.ChangeMobile{Caller: caller, Mobile: "13800000041", Code: "123456"})
	assert.Equal(t, fieldErr("mobile", domain.ErrSameMobile), err)
	_, err = w.changeMobile.Handle(t.Context(), ports.ChangeMobile{Caller: caller, Mobile: "13800000042", Code: "123456"})
	assert.Equal(t, fieldErr("mobile", domain.ErrUserExists), err)
	for _, taken := range []string{"13800000041", "13800000042"} {
		w.clock.Advance(time.Minute)
		_, err = w.sendCode.Handle(t.Context(), ports.SendCode{Caller: caller, Mobile: taken, Purpose: string(domain.PurposeChangeMobile)})
		assert.Equal(t, fieldErr("mobile", domain.ErrUserExists), err, "no code is sent to change to %s", taken)
	}
	assert.Equal(t, "13800000041", w.user(t, user.ID()).Mobile())

	// The change itself: the username follows, the old number is told and is free.
	code := w.codeFor(t, domain.PurposeChangeMobile, "13800000043", caller.User)
	changed, err := w.changeMobile.Handle(t.Context(), ports.ChangeMobile{Caller: caller, Mobile: "13800000043", Code: code})
	require.NoError(t, err)
	assert.Equal(t, "13800000043", changed.Mobile())
	assert.Equal(t, "13800000043", changed.Username())
	outbox := w.sms.Outbox()
	assert.Equal(t, ports.SMS{Mobile: "13800000041", Text: "your number changed", Kind: ports.NoticeMobileChanged}, outbox[len(outbox)-1])
	taken, err := w.store.Taken(t.Context(), "13800000041")
	require.NoError(t, err)
	assert.False(t, taken)
}

func TestDeleteAccountNeedsThePassword(t *testing.T) {
	w := newWorld(t, nil)
	user, _ := w.signUp(t, "13800000051", "long enough")
	caller := ports.Principal{User: w.user(t, user.ID())}
	client := ports.Client{IP: "198.51.100.1"}

	_, err := w.deleteAccount.Handle(t.Context(), ports.DeleteAccount{Client: client, Caller: caller})
	assert.Equal(t, fieldErr("password", domain.ErrRequired), err)
	_, err = w.deleteAccount.Handle(t.Context(), ports.DeleteAccount{Client: client, Caller: caller, Password: "a guess"})
	assert.Equal(t, fieldErr("password", domain.ErrWrongPassword), err)
	w.user(t, user.ID()) // still there

	w.clock.Advance(time.Minute) // past the back-off the wrong password earned
	_, err = w.deleteAccount.Handle(t.Context(), ports.DeleteAccount{Client: client, Caller: caller, Password: "long enough"})
	require.NoError(t, err)
	_, err = w.store.ByID(t.Context(), user.ID())
	assert.ErrorIs(t, err, domain.ErrUserNotFound)
	taken, err := w.store.Taken(t.Context(), "13800000051")
	require.NoError(t, err)
	assert.False(t, taken, "the number can sign up again")
}

// A number without an account that asks for a login code is sent nothing, but gets a
// stored stand-in code, so that guesses against it fare exactly as against a real one:
// mismatches until the budget is spent, then exhausted.
func TestAStandInCodeAnswersGuessesAsARealCode(t *testing.T) {
	w := newWorld(t, nil)
	w.signUp(t, "13800000061", "long enough")
	sent := w.codeFor(t, domain.PurposeLogin, "13800000061", nil)
	require.NotEmpty(t, sent)
	assert.Empty(t, w.codeFor(t, domain.PurposeLogin, "13800000062", nil), "no text to a number without an account")
	standIn, err := w.store.Newest(t.Context(), "13800000062")
	require.NoError(t, err)
	require.NotNil(t, standIn, "a stand-in code is stored")
	wrong := "000000"
	if bytes.Equal(standIn.Hash(), w.secrets.CodeHash(domain.PurposeLogin, "13800000062", wrong)) {
		wrong = "111111" // one time in a million, the stand-in is 000000
	}

	// The budget is 5: five mismatches, then exhausted, for both alike.
	var want []error
	for range 5 {
		want = append(want, fieldErr("code", domain.ErrCodeMismatch))
	}
	want = append(want, fieldErr("code", domain.ErrCodeExhausted))
	var gotStandIn, gotReal []error
	guess := func(ip, mobile, code string) error {
		_, err := w.logInByCode.Handle(t.Context(), ports.LogInByCode{Client: ports.Client{IP: ip}, Mobile: mobile, Code: code})
		return err
	}
	for range want {
		w.clock.Advance(20 * time.Second) // past each back-off, within the codes' lifetime
		gotStandIn = append(gotStandIn, guess("203.0.113.7", "13800000062", wrong))
		gotReal = append(gotReal, guess("203.0.113.8", "13800000061", wrongCode(sent)))
	}
	assert.Equal(t, want, gotStandIn, "the stand-in")
	assert.Equal(t, want, gotReal, "the real code")
	for _, m := range w.sms.Outbox() {
		assert.NotEqual(t, "13800000062", m.Mobile, "nothing is ever texted to the number")
	}
}

// A provider that sends registered templates (China's vendors) learns what each message is
// and the code alone, for the template's one parameter; a notice carries no code.
func TestMessagesSayWhatTheyAreForTemplateProviders(t *testing.T) {
	w := newWorld(t, func(c *application.Config) { c.UnknownTemplate = "no account" })
	_, err := w.sendCode.Handle(t.Context(), ports.SendCode{Mobile: "13800000051", Purpose: "login"})
	require.NoError(t, err)
	w.sendCode.Wait()
	assert.Equal(t, ports.SMS{Mobile: "13800000051", Text: "no account", Kind: ports.NoticeUnknown}, w.sms.Outbox()[0],
		"no account: a notice, not a code")

	code := w.codeFor(t, domain.PurposeRegister, "13800000052", nil)
	last := w.sms.Outbox()[1]
	assert.Equal(t, ports.SMS{Mobile: "13800000052", Text: "code " + code, Kind: ports.CodeFor(domain.PurposeRegister), Code: code}, last)
}
