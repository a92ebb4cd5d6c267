package application_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/application"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// verifierFunc is a ports.HumanVerifier that answers what the test says and counts its calls.
type verifierFunc struct {
	answer error
	calls  int
	got    ports.VerifyHuman
}

func (v *verifierFunc) Verify(_ context.Context, token, remoteIP string) error {
	v.calls++
	v.got = ports.VerifyHuman{Token: token, RemoteIP: remoteIP}
	return v.answer
}

func TestVerifyHuman(t *testing.T) {
	outage := fmt.Errorf("turnstile: %w: dial tcp: connection refused", domain.ErrCaptchaUnavailable)
	refusal := fmt.Errorf("turnstile: %w (error codes %q)", domain.ErrCaptchaRefused, "invalid-input-response")
	rows := []struct {
		name       string
		token      string
		answer     error
		failOpen   bool
		wantErr    error // nil: passes
		field      bool  // the error is {"captcha": [...]}
		unverified bool
		refused    bool // counted as a refusal
	}{
		{name: "accepted", token: "t", answer: nil},
		{name: "missing", token: "", wantErr: domain.ErrRequired, field: true, refused: true},
		{name: "refused", token: "t", answer: refusal, wantErr: domain.ErrCaptchaRefused, field: true, refused: true},
		{name: "refused, fail-open", token: "t", answer: refusal, failOpen: true, wantErr: domain.ErrCaptchaRefused, field: true, refused: true},
		{name: "unavailable", token: "t", answer: outage, wantErr: domain.ErrCaptchaUnavailable},
		{name: "unavailable, fail-open", token: "t", answer: outage, failOpen: true, unverified: true},
		{name: "missing, fail-open", token: "", failOpen: true, wantErr: domain.ErrRequired, field: true, refused: true},
		{name: "other error, fail-open", token: "t", answer: errors.New("boom"), failOpen: true, wantErr: errors.New("boom")},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			verifier, events := &verifierFunc{answer: row.answer}, &events{}
			h := application.NewVerifyHuman(application.CaptchaConfig{FailOpen: row.failOpen}, verifier, events)
			check, err := h.Handle(context.Background(), ports.VerifyHuman{Token: row.token, RemoteIP: "203.0.113.7"})
			switch {
			case row.wantErr == nil:
				require.NoError(t, err)
			case row.field:
				var fe domain.FieldErrors
				require.ErrorAs(t, err, &fe)
				require.Len(t, fe, 1)
				assert.Equal(t, "captcha", fe[0].Field)
				assert.ErrorIs(t, fe[0].Err, row.wantErr)
			case errors.Is(row.wantErr, domain.ErrCaptchaUnavailable):
				require.ErrorIs(t, err, domain.ErrCaptchaUnavailable)
			default:
				require.EqualError(t, err, row.wantErr.Error())
			}
			if row.unverified {
				require.ErrorIs(t, check.Unverified, domain.ErrCaptchaUnavailable)
			} else {
				require.NoError(t, check.Unverified)
			}
			if row.refused {
				assert.Equal(t, []domain.LimitReason{domain.LimitCaptcha}, events.refused)
			} else {
				assert.Empty(t, events.refused)
			}
			if row.token == "" {
				assert.Zero(t, verifier.calls, "no token, nothing to ask")
			} else {
				assert.Equal(t, ports.VerifyHuman{Token: "t", RemoteIP: "203.0.113.7"}, verifier.got)
			}
		})
	}
}
