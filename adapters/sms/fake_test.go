package sms_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

func TestFakeStates(t *testing.T) {
	ctx := context.Background()
	f := sms.NewFake()
	require.NoError(t, f.Send(ctx, ports.SMS{Mobile: "13800000000", Text: "one"}))

	f.Refuse("号码格式错误")
	err := f.Send(ctx, ports.SMS{Mobile: "13800000000", Text: "two"})
	require.ErrorIs(t, err, domain.ErrSMSRefused)
	assert.Equal(t, "号码格式错误", paramOf(t, err))

	f.Refuse("")
	require.ErrorIs(t, f.Send(ctx, ports.SMS{Mobile: "13800000000", Text: "two"}), domain.ErrSMSRefused, "an empty reason still refuses")

	f.BeUnavailable()
	require.ErrorIs(t, f.Send(ctx, ports.SMS{Mobile: "13800000000", Text: "three"}), domain.ErrSMSUnavailable)

	f.Recover()
	require.NoError(t, f.Send(ctx, ports.SMS{Mobile: "13800000001", Text: "four"}))

	assert.Equal(t, []ports.SMS{{Mobile: "13800000000", Text: "one"}, {Mobile: "13800000001", Text: "four"}}, f.Outbox())
}

func TestFakeOutboxIsACopy(t *testing.T) {
	f := sms.NewFake()
	require.NoError(t, f.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: "one"}))
	out := f.Outbox()
	out[0].Text = "changed"
	assert.Equal(t, "one", f.Outbox()[0].Text)
}

func TestFakeIsSafeForConcurrentUse(t *testing.T) {
	f := sms.NewFake()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			_ = f.Send(context.Background(), ports.SMS{Mobile: fmt.Sprintf("138%08d", i), Text: "text"})
			_ = f.Outbox()
			if i%10 == 0 {
				f.Recover()
			}
		})
	}
	wg.Wait()
	assert.Len(t, f.Outbox(), 50)
}

// paramOf returns the Param of the domain error in err's chain.
func paramOf(t *testing.T, err error) string {
	t.Helper()
	var de *domain.Error
	require.ErrorAs(t, err, &de)
	return de.Param()
}
