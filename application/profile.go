package application

import (
	"context"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// UpdateProfile changes the caller's profile; mobile is not part of it, since a new number
// would need a new code.
type UpdateProfile struct {
	users ports.UserRepository
}

// NewUpdateProfile builds the use case.
func NewUpdateProfile(users ports.UserRepository) *UpdateProfile { return &UpdateProfile{users} }

// Handle applies every change or none.
func (h *UpdateProfile) Handle(ctx context.Context, cmd ports.UpdateProfile) (*domain.User, error) {
	return h.users.Update(ctx, cmd.Caller.User.ID(), func(u *domain.User) error { return u.ChangeProfile(cmd.Change) })
}
