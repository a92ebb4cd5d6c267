package contract

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

// Message is one text message as a provider or its vendor received it.
type Message struct {
	Mobile string
	Text   string
}

// SMSHarness is an SMS provider under test with a view of, and control over, what stands
// behind it (itself for a fake, a local fake vendor for an HTTP provider).
type SMSHarness struct {
	Sender ports.SMSSender
	// Delivered returns the messages the provider or its vendor accepted, decoded, in order.
	Delivered func() []Message
	// Refuse makes every following message be refused with msg as the vendor's message.
	// Nil for a provider that cannot refuse; the refusal checks are then skipped.
	Refuse func(msg string)
	// BeUnavailable makes the provider unreachable or failing from now on.
	// Nil for a provider that cannot fail; the unavailability checks are then skipped.
	BeUnavailable func()
	// Templated is set for a provider whose vendor sends a registered template with the code
	// as its only parameter, never the text: Delivered then reports the code as Text.
	Templated bool
}

// SMSSender checks an implementation of ports.SMSSender: exact delivery, the typed
// refusal and unavailability errors, and respect for the caller's context. A cancelled
// send fails with domain.ErrSMSUnavailable wrapping the context's error.
// newHarness is called once per check, so checks run in parallel.
func SMSSender(t *testing.T, newHarness func(t *testing.T) SMSHarness) {
	t.Run("DeliversEachMessageOnceExactly", func(t *testing.T) { testDeliversEachMessageOnceExactly(t, newHarness) })
	t.Run("ConcurrentSendsAreEachDeliveredOnce", func(t *testing.T) { testConcurrentSendsAreEachDeliveredOnce(t, newHarness) })
	t.Run("RefusalCarriesTheVendorMessage", func(t *testing.T) { testRefusalCarriesTheVendorMessage(t, newHarness) })
	t.Run("UnavailabilityDeliversNothing", func(t *testing.T) { testUnavailabilityDeliversNothing(t, newHarness) })
	t.Run("CancelledContextSendsNothing", func(t *testing.T) { testCancelledContextSendsNothing(t, newHarness) })
}

func testDeliversEachMessageOnceExactly(t *testing.T, newHarness func(t *testing.T) SMSHarness) {
	t.Parallel()
	texts := smsTexts()
	h := newHarness(t)
	var want []Message
	for i, text := range texts {
		mobile := fmt.Sprintf("1380000%04d", i)
		require.NoError(t, h.Sender.Send(context.Background(), codeSMS(mobile, text)))
		want = append(want, h.expected(mobile, text))
	}
	assert.Equal(t, want, h.Delivered())
}

func testConcurrentSendsAreEachDeliveredOnce(t *testing.T, newHarness func(t *testing.T) SMSHarness) {
	t.Parallel()
	texts := smsTexts()
	h := newHarness(t)
	const n = 20
	var want []Message
	var wg sync.WaitGroup
	for i := range n {
		m := Message{Mobile: fmt.Sprintf("1390000%04d", i), Text: texts[i%len(texts)]}
		want = append(want, h.expected(m.Mobile, m.Text))
		wg.Go(func() {
			assert.NoError(t, h.Sender.Send(context.Background(), codeSMS(m.Mobile, m.Text)))
		})
	}
	wg.Wait()
	assert.ElementsMatch(t, want, h.Delivered())
}

func testRefusalCarriesTheVendorMessage(t *testing.T, newHarness func(t *testing.T) SMSHarness) {
	t.Parallel()
	texts := smsTexts()
	h := newHarness(t)
	if h.Refuse == nil {
		t.Skip("this provider cannot refuse")
	}
	const reason = "参数 mobile 格式不正确 & more"
	h.Refuse(reason)
	err := h.Sender.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: texts[0]})
	require.ErrorIs(t, err, domain.ErrSMSRefused)
	assert.NotErrorIs(t, err, domain.ErrSMSUnavailable)
	var de *domain.Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, reason, de.Param())
	assert.NotContains(t, err.Error(), smsCode, "errors end up in logs")
	assert.Empty(t, h.Delivered())
}

func testUnavailabilityDeliversNothing(t *testing.T, newHarness func(t *testing.T) SMSHarness) {
	t.Parallel()
	texts := smsTexts()
	h := newHarness(t)
	if h.BeUnavailable == nil {
		t.Skip("this provider cannot be unavailable")
	}
	h.BeUnavailable()
	err := h.Sender.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: texts[1]})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	assert.NotErrorIs(t, err, domain.ErrSMSRefused)
	assert.NotContains(t, err.Error(), smsCode, "errors end up in logs")
	assert.Empty(t, h.Delivered())
}

func testCancelledContextSendsNothing(t *testing.T, newHarness func(t *testing.T) SMSHarness) {
	t.Parallel()
	texts := smsTexts()
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := h.Sender.Send(ctx, ports.SMS{Mobile: "13800000000", Text: texts[0]})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, h.Delivered())
}

// codeSMS is a registration code's message, as the service sends it: the text, and the
// code alone for providers that send templates.
func codeSMS(mobile, text string) ports.SMS {
	return ports.SMS{Mobile: mobile, Text: text, Kind: ports.CodeFor(domain.PurposeRegister), Code: smsCode}
}

// expected is what the harness should report delivered of codeSMS(mobile, text).
func (h SMSHarness) expected(mobile, text string) Message {
	if h.Templated {
		return Message{Mobile: mobile, Text: smsCode}
	}
	return Message{Mobile: mobile, Text: text}
}

// smsCode sits in smsTexts as the real template puts it; no error may repeat it.
const smsCode = "918273"

// smsTexts are messages with the characters a provider might mangle.
func smsTexts() []string {
	return []string{
		"【Muxue Fresh Supermarket】Your verification code is " + smsCode + ". If you did not request it, please ignore this message.",
		"【慕学生鲜】您的验证码是" + smsCode + "。如非本人操作，请忽略本短信",
		"code=" + smsCode + "&next=/users/?a=1+2%20b#frag; 100% 'quoted' \"double\" <tag> \\ é 🙂",
		"line one\nline two\r\n\ttabbed " + smsCode,
	}
}
