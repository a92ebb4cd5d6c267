package domain

// Purpose is what a verification code is for. A code is good only for the purpose, and
// the mobile, it was sent for.
type Purpose string

const (
	PurposeRegister      Purpose = "register"
	PurposeLogin         Purpose = "login"
	PurposeResetPassword Purpose = "reset_password"
	PurposeChangeMobile  Purpose = "change_mobile"
)

// ParsePurpose reads a purpose as a client names it; none is PurposeRegister, what the
// original shop's codes were for. Another name is ErrInvalidChoice.
func ParsePurpose(name string) (Purpose, error) {
	switch p := Purpose(name); p {
	case "":
		return PurposeRegister, nil
	case PurposeRegister, PurposeLogin, PurposeResetPassword, PurposeChangeMobile:
		return p, nil
	}
	return "", ErrInvalidChoice.WithParam(name)
}

// HidesAccounts tells whether the answer to a code request for this purpose must not reveal
// whether the number has an account: those a stranger asks for (log in, reset a password).
func (p Purpose) HidesAccounts() bool {
	return p == PurposeLogin || p == PurposeResetPassword
}
