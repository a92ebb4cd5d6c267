package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/phoneauth/phoneauth/domain"
	"github.com/phoneauth/phoneauth/ports"
)

var _ ports.SMSSender = (*Yunpian)(nil)

// YunpianConfig configures the YunPian single-send provider.
type YunpianConfig struct {
	APIKey string
	// URL is the single-send endpoint, https://sms.yunpian.com/v2/sms/single_send.json
	// in production.
	URL string
	// Timeout bounds each request; zero means 10 s.
	Timeout time.Duration
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
}

// Yunpian sends messages through YunPian's single-send API.
type Yunpian struct {
	apiKey string
	url    string
	http   httpSender
}

// NewYunpian returns a provider for cfg.
func NewYunpian(cfg YunpianConfig) *Yunpian {
	return &Yunpian{apiKey: cfg.APIKey, url: cfg.URL, http: newHTTPSender(cfg.Client, cfg.Timeout)}
}

// yunpianAnswer is the part of YunPian's JSON answer that decides the outcome.
// Code is a pointer so that JSON without a code is not read as success.
type yunpianAnswer struct {
	Code *int   `json:"code"`
	Msg  string `json:"msg"`
}

// Send posts apikey, mobile and text as a form. The API key travels only in the body,
// never in the URL or a header, where proxies and access logs would keep it.
//
// Outcomes: a JSON answer with code 0 is sent; a JSON answer with another code and a msg
// is a refusal carrying msg (YunPian sends those with HTTP 400); HTTP 5xx, any other answer,
// a connection error or a time-out is unavailability.
func (y *Yunpian) Send(ctx context.Context, msg ports.SMS) error {
	form := url.Values{"apikey": {y.apiKey}, "mobile": {msg.Mobile}, "text": {msg.Text}}
	ans, err := y.http.post(ctx, y.url, "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
	if err != nil {
		return fmt.Errorf("yunpian: %w", err)
	}
	if ans.status >= 500 {
		return fmt.Errorf("yunpian: %w", unavailable(fmt.Errorf("HTTP %d", ans.status)))
	}
	var a yunpianAnswer
	if err := json.Unmarshal(ans.body, &a); err != nil || a.Code == nil {
		return fmt.Errorf("yunpian: %w", unavailable(fmt.Errorf("HTTP %d with an answer that is not YunPian's JSON", ans.status)))
	}
	switch {
	case *a.Code == 0 && ans.status/100 == 2:
		return nil
	case *a.Code != 0 && a.Msg != "":
		return domain.ErrSMSRefused.WithParam(a.Msg)
	default:
		return fmt.Errorf("yunpian: %w", unavailable(fmt.Errorf("HTTP %d with code %d", ans.status, *a.Code)))
	}
}
