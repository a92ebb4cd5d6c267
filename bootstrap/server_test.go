package bootstrap

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/phoneauth/phoneauth/test/testdb"
)

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// A request in flight when the service is told to stop still gets its answer.
func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(500 * time.Millisecond) // a slow SMS vendor keeps the request in flight
		_, _ = io.WriteString(w, `{}`)
	}))
	defer vendor.Close()
	addr := freeAddr(t)
	cfg, err := LoadConfig(lookupFrom(map[string]string{
		"HTTP_ADDR": addr, "DATABASE_URL": testdb.SQLiteURL(t), "JWT_SECRET": "graceful-shutdown-test-secret-0123456789",
		"SMS_PROVIDER": "webhook", "SMS_WEBHOOK_URL": vendor.URL, "SMS_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	}))
	require.NoError(t, err)
	app := fx.New(Options(cfg, slog.New(slog.NewTextHandler(io.Discard, nil))), ServerModule, fx.NopLogger)
	require.NoError(t, app.Start(t.Context()))

	answer := make(chan int, 1)
	go func() {
		resp, err := http.Post("http://"+addr+"/code/", "application/json", strings.NewReader(`{"mobile": "13800000000"}`))
		if err != nil {
			answer <- 0
			return
		}
		resp.Body.Close()
		answer <- resp.StatusCode
	}()
	time.Sleep(200 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	require.NoError(t, app.Stop(ctx))
	require.Equal(t, http.StatusCreated, <-answer)

	_, err = net.DialTimeout("tcp", addr, time.Second)
	require.Error(t, err, "the listener is closed")
}

func TestSeparateMetricsAddress(t *testing.T) {
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	cfg, err := LoadConfig(lookupFrom(map[string]string{"HTTP_ADDR": addr, "METRICS_ADDR": metricsAddr, "DATABASE_URL": testdb.SQLiteURL(t)}))
	require.NoError(t, err)
	app := fx.New(Options(cfg, slog.New(slog.NewTextHandler(io.Discard, nil))), ServerModule, fx.NopLogger)
	require.NoError(t, app.Start(t.Context()))
	defer func() { require.NoError(t, app.Stop(context.Background())) }()

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.True(t, strings.Contains(string(body), "phoneauth_password_hash_seconds_count"), "the service's metrics are served")

	resp, err = http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "not on the public address")
}

func TestLogsAreJSONByDefault(t *testing.T) {
	cfg, err := LoadConfig(lookupFrom(nil))
	require.NoError(t, err)
	var buf bytes.Buffer
	newLogger(cfg, &buf).Info("hello", "request_id", "abc")
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	require.Equal(t, "hello", line["msg"])

	cfg, err = LoadConfig(lookupFrom(map[string]string{"LOG_FORMAT": "text", "LOG_LEVEL": "warn"}))
	require.NoError(t, err)
	buf.Reset()
	logger := newLogger(cfg, &buf)
	logger.Info("quiet")
	logger.Warn("loud")
	require.NotContains(t, buf.String(), "quiet")
	require.Contains(t, buf.String(), "level=WARN msg=loud")
}
