package httpapi

import (
	"net/netip"

	"github.com/gofiber/fiber/v2"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// handlers turn each request into a typed command, call its use case, and answer: the
// shape errors they found and the use case's rule errors together, in the contract's
// field order.
type handlers struct {
	app             ports.Application
	trustedProxies  []netip.Prefix
	ipv6LimitPrefix int
	display         func(stored string) string
}

// shown is a stored number as answers show it.
func (h handlers) shown(stored string) string {
	if h.display == nil {
		return stored
	}
	return h.display(stored)
}

// client identifies the caller for abuse limits: by IPv4 address, or by IPv6 prefix.
func (h handlers) client(c *fiber.Ctx) ports.Client {
	return ports.Client{IP: limitKey(clientAddr(c, h.trustedProxies), h.ipv6LimitPrefix)}
}

func (h handlers) sendCode(c *fiber.Ctx) error {
	body, err := decodeBody(c, "mobile", "purpose")
	if err != nil {
		return err
	}
	var s shape
	cmd := ports.SendCode{Client: h.client(c), Mobile: s.required(body, "mobile", nil)}
	if purpose := s.optional(body, "purpose", true, false); purpose != nil {
		cmd.Purpose = *purpose
	} else if pick(s.errs, "purpose") != nil {
		return s.errs // a purpose that is not a text is no purpose to send a code for
	}
	// Only a code to change the caller's number needs the caller: the old client's
	// registration page may carry a stale token, which must not fail its requests.
	if cmd.Purpose == string(domain.PurposeChangeMobile) {
		p, err := h.app.Queries.Authenticate.Handle(c.UserContext(), c.Get(fiber.HeaderAuthorization))
		if err != nil {
			return err
		}
		if p != nil {
			cmd.Caller = *p
		}
	}
	mobile, err := h.app.Commands.SendCode.Handle(c.UserContext(), cmd)
	if err := s.merge(err, "mobile", "purpose"); err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusCreated, struct {
		Mobile string `json:"mobile"`
	}{mobile})
}

func (h handlers) register(c *fiber.Ctx) error {
	body, err := decodeBody(c, "username", "code", "password")
	if err != nil {
		return err
	}
	var s shape
	cmd := ports.Register{
		Username: s.required(body, "username", nil),
		Code:     s.required(body, "code", domain.ErrCodeRequired),
		Password: s.required(body, "password", nil),
	}
	reg, err := h.app.Commands.Register.Handle(c.UserContext(), cmd)
	if err := s.merge(err, "username", "code", "password"); err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusCreated, struct {
		Username string `json:"username"`
		Mobile   string `json:"mobile"`
		Token    string `json:"token"`
		Name     string `json:"name"`
		Refresh  string `json:"refresh"`
	}{reg.User.Username(), h.shown(reg.User.Mobile()), reg.Access, reg.User.DisplayName(), reg.Refresh})
}

type tokenResponse struct {
	Token string `json:"token"`
}

// sessionResponse is the original's {"token"} with the refresh token beside it: extra keys
// do not break the old client.
type sessionResponse struct {
	Token   string `json:"token"`
	Refresh string `json:"refresh"`
}

// loginResponse adds the client's device token, which it presents in X-Device-Token.
type loginResponse struct {
	sessionResponse
	DeviceToken string `json:"device_token"`
}

// headerDeviceToken carries the device token of a client that logged in before.
const headerDeviceToken = "X-Device-Token"

// logIn reads the login fields and the device token of a request.
func (h handlers) logIn(c *fiber.Ctx, s *shape) (ports.LogIn, error) {
	body, err := decodeBody(c, "username", "password")
	if err != nil {
		return ports.LogIn{}, err
	}
	return ports.LogIn{
		Client:      h.client(c),
		Username:    s.required(body, "username", nil),
		Password:    s.required(body, "password", nil),
		DeviceToken: c.Get(headerDeviceToken),
	}, nil
}

func (h handlers) login(c *fiber.Ctx) error {
	var s shape
	cmd, err := h.logIn(c, &s)
	if err != nil {
		return err
	}
	tokens, err := h.app.Commands.LogIn.Handle(c.UserContext(), cmd)
	if err := s.merge(err, "username", "password"); err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, loginResponse{sessionResponse{tokens.Access, tokens.Refresh}, tokens.DeviceToken})
}

func (h handlers) loginByCode(c *fiber.Ctx) error {
	body, err := decodeBody(c, "mobile", "code")
	if err != nil {
		return err
	}
	var s shape
	cmd := ports.LogInByCode{
		Client:      h.client(c),
		Mobile:      s.required(body, "mobile", nil),
		Code:        s.required(body, "code", domain.ErrCodeRequired),
		DeviceToken: c.Get(headerDeviceToken),
	}
	tokens, err := h.app.Commands.LogInByCode.Handle(c.UserContext(), cmd)
	if err := s.merge(err, "mobile", "code"); err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, loginResponse{sessionResponse{tokens.Access, tokens.Refresh}, tokens.DeviceToken})
}

func (h handlers) resetPassword(c *fiber.Ctx) error {
	body, err := decodeBody(c, "mobile", "code", "password")
	if err != nil {
		return err
	}
	var s shape
	cmd := ports.ResetPassword{
		Client:   h.client(c),
		Mobile:   s.required(body, "mobile", nil),
		Code:     s.required(body, "code", domain.ErrCodeRequired),
		Password: s.required(body, "password", nil),
	}
	tokens, err := h.app.Commands.ResetPassword.Handle(c.UserContext(), cmd)
	if err := s.merge(err, "mobile", "code", "password"); err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, sessionResponse{tokens.Access, tokens.Refresh})
}

func (h handlers) apiToken(c *fiber.Ctx) error {
	var s shape
	cmd, err := h.logIn(c, &s)
	if err != nil {
		return err
	}
	key, err := h.app.Commands.IssueAPIToken.Handle(c.UserContext(), cmd)
	if err := s.merge(err, "username", "password"); err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, tokenResponse{key})
}

func (h handlers) refresh(c *fiber.Ctx) error {
	body, err := decodeBody(c, "refresh")
	if err != nil {
		return err
	}
	var s shape
	cmd := ports.Refresh{Token: s.required(body, "refresh", nil)}
	tokens, err := h.app.Commands.Refresh.Handle(c.UserContext(), cmd)
	if err := s.merge(err, "refresh"); err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, sessionResponse{tokens.Access, tokens.Refresh})
}

func (h handlers) logout(c *fiber.Ctx) error {
	body, err := decodeBody(c, "all")
	if err != nil {
		return err
	}
	all, err := optionalBoolean(c, "all", body["all"])
	if err != nil {
		return err
	}
	if _, err := h.app.Commands.LogOut.Handle(c.UserContext(), ports.LogOut{Caller: principal(c), All: all}); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h handlers) changePassword(c *fiber.Ctx) error {
	body, err := decodeBody(c, "old_password", "new_password")
	if err != nil {
		return err
	}
	var s shape
	cmd := ports.ChangePassword{
		Client:      h.client(c),
		Caller:      principal(c),
		OldPassword: s.required(body, "old_password", nil),
		NewPassword: s.required(body, "new_password", nil),
	}
	tokens, err := h.app.Commands.ChangePassword.Handle(c.UserContext(), cmd)
	if err := s.merge(err, "old_password", "new_password"); err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, sessionResponse{tokens.Access, tokens.Refresh})
}

func (h handlers) changeMobile(c *fiber.Ctx) error {
	body, err := decodeBody(c, "mobile", "code")
	if err != nil {
		return err
	}
	var s shape
	cmd := ports.ChangeMobile{
		Caller: principal(c),
		Mobile: s.required(body, "mobile", nil),
		Code:   s.required(body, "code", domain.ErrCodeRequired),
	}
	user, err := h.app.Commands.ChangeMobile.Handle(c.UserContext(), cmd)
	if err := s.merge(err, "mobile", "code"); err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, h.newProfileResponse(user))
}

func (h handlers) deleteAccount(c *fiber.Ctx) error {
	body, err := decodeBody(c, "password", "code")
	if err != nil {
		return err
	}
	var s shape
	cmd := ports.DeleteAccount{Client: h.client(c), Caller: principal(c)}
	if password := s.optional(body, "password", true, false); password != nil {
		cmd.Password = *password
	}
	if code := s.optional(body, "code", true, false); code != nil {
		cmd.Code = *code
	}
	if s.errs != nil {
		return s.errs // nothing is deleted on a proof of the wrong shape
	}
	if _, err := h.app.Commands.DeleteAccount.Handle(c.UserContext(), cmd); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// authenticated resolves the Authorization header before next; the caller must be known.
func (h handlers) authenticated(next fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := h.app.Queries.Authenticate.Handle(c.UserContext(), c.Get(fiber.HeaderAuthorization))
		if err != nil {
			return err
		}
		if p == nil {
			return domain.ErrNotAuthenticated
		}
		c.Locals(principalKey{}, *p)
		return next(c)
	}
}

func principal(c *fiber.Ctx) ports.Principal {
	p, _ := c.Locals(principalKey{}).(ports.Principal)
	return p
}

// profile answers the caller, as loaded when the request was authenticated.
func (h handlers) profile(c *fiber.Ctx) error {
	return writeJSON(c, fiber.StatusOK, h.newProfileResponse(principal(c).User))
}

func (h handlers) updateProfile(c *fiber.Ctx) error {
	body, err := decodeBody(c, "name", "gender", "birthday", "email")
	if err != nil {
		return err
	}
	var s shape
	change := domain.ProfileChange{
		Name:     s.optional(body, "name", true, true),
		Gender:   s.optional(body, "gender", false, false),
		Birthday: s.optional(body, "birthday", false, true),
		Email:    s.optional(body, "email", true, true),
	}
	order := []string{"name", "gender", "birthday", "email"}
	if s.errs != nil {
		// Nothing is written when a field was refused, but the others' rules are still
		// reported: they are checked on a copy of the caller.
		probe := *principal(c).User
		return s.merge(probe.ChangeProfile(change), order...)
	}
	user, err := h.app.Commands.UpdateProfile.Handle(c.UserContext(), ports.UpdateProfile{Caller: principal(c), Change: change})
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, h.newProfileResponse(user))
}

type profileResponse struct {
	Name     *string `json:"name"`
	Gender   string  `json:"gender"`
	Birthday *string `json:"birthday"`
	Email    *string `json:"email"`
	Mobile   *string `json:"mobile"`
}

func (h handlers) newProfileResponse(u *domain.User) profileResponse {
	return profileResponse{
		Name:     nullable(u.Name()),
		Gender:   string(u.Gender()),
		Birthday: nullable(domain.FormatBirthday(u.Birthday())),
		Email:    nullable(u.Email()),
		Mobile:   nullable(h.shown(u.Mobile())),
	}
}

// nullable renders an unset optional field as JSON null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
