package application_test

import (
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
	store    *memory.Store
	sms      *sms.Fake
	clock    *contract.TestClock
	events   *events
	secrets  *secret.Secrets
	sendCode *application.SendCode
	register *application.Register
	logIn    *application.LogIn
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
	w := &world{store: memory.NewStore(), sms: sms.NewFake(), events: &events{},
		clock: contract.NewTestClock(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)), secrets: secret.New([]byte("code key"))}
	tokens := jwttoken.NewHS256([]byte("a secret of thirty-two bytes or more"), time.Hour, w.clock)
	devices := secret.NewDeviceTokens([]byte("device key"))
	w.sendCode = application.NewSendCode(cfg, w.store, w.store, w.sms, w.secrets, w.clock, w.store, w.events, &pauses{})
	w.register = application.NewRegister(cfg, w.store, w.store, w.store, plainHasher{}, w.secrets, w.clock, w.store,
		w.events, w.store, tokens)
	credentials, err := application.NewCredentials(cfg, w.store, plainHasher{}, devices, w.clock, w.store, w.events)
	require.NoError(t, err)
	w.logIn = application.NewLogIn(credentials, devices, w.secrets, w.clock, w.store, tokens)
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
