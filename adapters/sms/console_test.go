package sms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sms"
	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

func TestConsoleLogsMobileAndTextAtInfo(t *testing.T) {
	var buf bytes.Buffer
	c := sms.NewConsole(slog.New(slog.NewJSONHandler(&buf, nil)))

	text := "【Muxue Fresh Supermarket】Your verification code is 123456. If you did not request it, please ignore this message."
	require.NoError(t, c.Send(context.Background(), ports.SMS{Mobile: "13800000000", Text: text}))

	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line), "one JSON log line: %s", buf.String())
	assert.Equal(t, "INFO", line["level"])
	assert.Equal(t, "13800000000", line["mobile"])
	assert.Equal(t, text, line["text"])
}

func TestConsoleRespectsCancellation(t *testing.T) {
	var buf bytes.Buffer
	c := sms.NewConsole(slog.New(slog.NewTextHandler(&buf, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	err := c.Send(ctx, ports.SMS{Mobile: "13800000000", Text: "code 123456"})
	require.ErrorIs(t, err, domain.ErrSMSUnavailable)
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, buf.String())
}
