package domain

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Gender is one of the two values the original shop offered.
type Gender string

const (
	GenderMale   Gender = "male"
	GenderFemale Gender = "female"
)

const (
	nameMaxLength  = 30
	emailMaxLength = 100
	birthdayLayout = "2006-01-02"
)

// User is an account. Optional profile fields are empty when unset.
type User struct {
	id           int64
	username     string
	mobile       string
	passwordHash string
	name         string
	gender       Gender
	birthday     time.Time // zero when unset; a date at midnight UTC otherwise
	email        string
	active       bool
	dateJoined   time.Time
	// tokenVersion grows when the password changes: access tokens carry the version they
	// were issued under, and older ones stop working.
	tokenVersion int
}

// NewUser builds a new, active account that signed up with its mobile number;
// the username is the mobile as answers show it (`13800138000`, as in the original shop),
// the mobile its canonical form. It has no id until stored.
func NewUser(mobile Mobile, passwordHash string, joined time.Time) (*User, error) {
	if mobile.String() == "" || passwordHash == "" {
		return nil, newError(KindInvalid, "user_invalid")
	}
	return &User{
		username:     mobile.Display(),
		mobile:       mobile.String(),
		passwordHash: passwordHash,
		gender:       GenderFemale,
		active:       true,
		dateJoined:   joined.UTC(),
	}, nil
}

// UserRecord is what UnmarshalUserFromDatabase rebuilds a user from: a plain value, since
// only a persistence adapter fills it, from what the domain once produced.
type UserRecord struct {
	ID           int64
	Username     string
	Mobile       string
	PasswordHash string
	Name         string
	Gender       Gender
	Birthday     time.Time
	Email        string
	Active       bool
	DateJoined   time.Time
	TokenVersion int
}

// UnmarshalUserFromDatabase rebuilds a stored user. It skips validation:
// use it only for data the domain once produced.
func UnmarshalUserFromDatabase(r UserRecord) *User {
	return &User{
		id:           r.ID,
		username:     r.Username,
		mobile:       r.Mobile,
		passwordHash: r.PasswordHash,
		name:         r.Name,
		gender:       r.Gender,
		birthday:     r.Birthday,
		email:        r.Email,
		active:       r.Active,
		dateJoined:   r.DateJoined.UTC(),
		tokenVersion: r.TokenVersion,
	}
}

func (u *User) ID() int64             { return u.id }
func (u *User) Username() string      { return u.username }
func (u *User) Mobile() string        { return u.mobile }
func (u *User) PasswordHash() string  { return u.passwordHash }
func (u *User) Name() string          { return u.name }
func (u *User) Gender() Gender        { return u.gender }
func (u *User) Birthday() time.Time   { return u.birthday }
func (u *User) Email() string         { return u.email }
func (u *User) Active() bool          { return u.active }
func (u *User) DateJoined() time.Time { return u.dateJoined }
func (u *User) TokenVersion() int     { return u.tokenVersion }

// ChangePassword stores a new password hash and ends every token issued before.
func (u *User) ChangePassword(newHash string) {
	u.passwordHash = newHash
	u.EndAllSessions()
}

// EndAllSessions makes every access token issued so far stop working.
func (u *User) EndAllSessions() { u.tokenVersion++ }

// ChangeMobile moves the account to another number. A username that was the old number
// (as sign-up makes it: formerShown is the old number as answers show it) follows the
// number, so that the old one no longer logs in and is free for whoever gets it next.
func (u *User) ChangeMobile(m Mobile, formerShown string) error {
	switch {
	case m.String() == "":
		return ErrInvalidMobile
	case m.String() == u.mobile:
		return ErrSameMobile
	}
	if u.username == u.mobile || (formerShown != "" && u.username == formerShown) {
		u.username = m.Display()
	}
	u.mobile = m.String()
	return nil
}

// UpgradePasswordHash stores a stronger hash of the same password: sessions go on.
func (u *User) UpgradePasswordHash(newHash string) { u.passwordHash = newHash }

// DisplayName is the name if set, else the username.
func (u *User) DisplayName() string {
	if u.name != "" {
		return u.name
	}
	return u.username
}

// ProfileChange lists the profile fields a client sent; nil means "not sent",
// an empty string clears an optional field. It is a plain value: a request, which
// User.ChangeProfile checks.
type ProfileChange struct {
	Name     *string
	Gender   *string
	Birthday *string // YYYY-MM-DD
	Email    *string
}

// emailPattern follows the shape Django's EmailValidator accepts, without its IDN and literal-IP cases.
var emailPattern = regexp.MustCompile(`^[A-Za-z0-9.!#$%&'*+/=?^_` + "`" + `{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`)

// ChangeProfile applies every change or none: it returns all failing fields at once.
func (u *User) ChangeProfile(c ProfileChange) error {
	var errs FieldErrors
	next := *u
	if c.Name != nil {
		if utf8.RuneCountInString(*c.Name) > nameMaxLength {
			errs = append(errs, FieldError{"name", ErrTooLong.WithParam(strconv.Itoa(nameMaxLength))})
		}
		next.name = *c.Name
	}
	if c.Gender != nil {
		switch g := Gender(*c.Gender); g {
		case GenderMale, GenderFemale:
			next.gender = g
		default:
			errs = append(errs, FieldError{"gender", ErrInvalidChoice.WithParam(*c.Gender)})
		}
	}
	if c.Birthday != nil {
		if *c.Birthday == "" {
			next.birthday = time.Time{}
		} else if d, err := time.Parse(birthdayLayout, *c.Birthday); err != nil {
			errs = append(errs, FieldError{"birthday", ErrInvalidBirthday})
		} else {
			next.birthday = d
		}
	}
	if c.Email != nil {
		e := *c.Email
		switch {
		case utf8.RuneCountInString(e) > emailMaxLength:
			errs = append(errs, FieldError{"email", ErrTooLong.WithParam(strconv.Itoa(emailMaxLength))})
		case e != "" && (!emailPattern.MatchString(e) || strings.Contains(e, "..")):
			errs = append(errs, FieldError{"email", ErrInvalidEmail})
		}
		next.email = e
	}
	if len(errs) > 0 {
		return errs
	}
	*u = next
	return nil
}

// FormatBirthday renders a birthday as YYYY-MM-DD, or "" when unset.
func FormatBirthday(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(birthdayLayout)
}
