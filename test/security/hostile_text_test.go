package security_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// textRoutes are the routes that read text fields, with the fields they read and their
// maximum lengths.
var textRoutes = []struct {
	method, path string
	auth         bool
	fields       map[string]int
}{
	{http.MethodPost, "/code/", false, map[string]int{"mobile": 32, "purpose": 32}},
	{http.MethodPost, "/login/code/", false, map[string]int{"mobile": 32, "code": 16}},
	{http.MethodPost, "/users/password/reset/", false, map[string]int{"mobile": 32, "code": 16, "password": 4096}},
	{http.MethodPost, "/users/mobile/", true, map[string]int{"mobile": 32, "code": 16}},
	{http.MethodDelete, "/users/1/", true, map[string]int{"password": 4096, "code": 16}},
	{http.MethodPost, "/users/", false, map[string]int{"username": 150, "code": 16, "password": 4096}},
	{http.MethodPost, "/login/", false, map[string]int{"username": 150, "password": 4096}},
	{http.MethodPost, "/jwt-auth/", false, map[string]int{"username": 150, "password": 4096}},
	{http.MethodPost, "/api-token-auth/", false, map[string]int{"username": 150, "password": 4096}},
	{http.MethodPost, "/token/refresh/", false, map[string]int{"refresh": 128}},
	{http.MethodPost, "/logout/", true, map[string]int{"all": 16}},
	{http.MethodPost, "/users/password/", true, map[string]int{"old_password": 4096, "new_password": 4096}},
	{http.MethodPatch, "/users/1/", true, map[string]int{"name": 30, "gender": 16, "birthday": 32, "email": 100}},
	{http.MethodPut, "/users/1/", true, map[string]int{"name": 30, "gender": 16, "birthday": 32, "email": 100}},
}

// hostileValue is a bad text for a field, as a JSON body and as a urlencoded one.
type hostileValue struct {
	name       string
	json, form func(field string) string
	message    func(max int) string
}

var hostileValues = []hostileValue{
	{"invalid UTF-8",
		func(f string) string { return `{"` + f + `": "ab` + "\xff\xfe" + `cd"}` },
		func(f string) string { return f + "=ab%FF%FEcd" },
		func(int) string { return "Not valid UTF-8 text." }},
	{"a GBK-encoded text", // 中文 in GBK: what an old client's form sends by accident
		func(f string) string { return `{"` + f + `": "` + "\xd6\xd0\xce\xc4" + `"}` },
		func(f string) string { return f + "=%D6%D0%CE%C4" },
		func(int) string { return "Not valid UTF-8 text." }},
	{"a NUL character",
		func(f string) string { return `{"` + f + `": "ab\u0000cd"}` },
		func(f string) string { return f + "=ab%00cd" },
		func(int) string { return "Null characters are not allowed." }},
	{"10 KB",
		func(f string) string { return `{"` + f + `": "` + strings.Repeat("x", 10<<10) + `"}` },
		func(f string) string { return f + "=" + strings.Repeat("x", 10<<10) },
		func(max int) string {
			return "Ensure this field has no more than " + strconv.Itoa(max) + " characters."
		}},
}

// Invalid UTF-8, NUL and over-long text in every text field of every route, as JSON and as
// a form, is a 400 on that field, never a 500 or a hang, and reaches no use case: no SMS is
// sent, no code is checked, nothing is logged as an error.
func TestHostileTextIsRefusedByField(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL})
		mobile := harness.NewMobile()
		token := h.Register(mobile, "correct horse")
		for _, route := range textRoutes {
			for field, max := range route.fields {
				for _, v := range hostileValues {
					for encoding, body := range map[string]string{"json": v.json(field), "form": v.form(field)} {
						contentType := map[string]string{"json": "application/json", "form": "application/x-www-form-urlencoded"}[encoding]
						headers := []string{"Content-Type", contentType}
						if route.auth {
							headers = append(headers, "Authorization", "JWT "+token)
						}
						r := h.Request(route.method, route.path, body, headers...)
						harness.Expect(t, r, http.StatusBadRequest, fmt.Sprintf(`{%q: [%q]}`, field, v.message(max)))
					}
				}
			}
		}
		require.Len(t, h.SMS.Outbox(), 1, "only the registration's code was sent")
		harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token), http.StatusOK,
			`{"name": null, "gender": "female", "birthday": null, "email": null, "mobile": "`+mobile+`"}`)
		assert.NotContains(t, h.Log(), "level=ERROR")
	})
}

// The request that used to wedge a goroutine forever (the limit store never found a key
// whose invalid UTF-8 the database had replaced), 200 times at once; afterwards a normal
// login is as fast as before.
func TestHostileLoginsAtOnceLeaveTheServiceAsFast(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL})
		mobile := harness.NewMobile()
		h.Register(mobile, "correct horse")
		login := func() time.Duration {
			start := time.Now()
			h.Login(mobile, "correct horse")
			return time.Since(start)
		}
		before := min(login(), login(), login())

		hostile := []string{"username=%FF&password=whatever1", "username=ab%00cd&password=whatever1",
			"username=" + url.QueryEscape(strings.Repeat("名", 3000)) + "&password=whatever1"}
		var wg sync.WaitGroup
		statuses := make([]int, 200)
		for i := range statuses {
			wg.Go(func() {
				r, err := h.Send(http.MethodPost, "/login/", hostile[i%len(hostile)], "Content-Type", "application/x-www-form-urlencoded")
				if assert.NoError(t, err) {
					statuses[i] = r.Status
				}
			})
		}
		wg.Wait()
		for i, status := range statuses {
			require.Equal(t, http.StatusBadRequest, status, "request %d", i)
		}
		after := min(login(), login(), login())
		require.Less(t, after, 3*before+100*time.Millisecond, "a login took %v before and %v after", before, after)
	})
}

// A field of a megabyte makes the body too large: 413 in the envelope, read by the client,
// on every route that reads text.
func TestAMegabyteFieldIsTooLarge(t *testing.T) {
	t.Parallel()
	h := harness.New(t, nil)
	addr := h.Serve()
	for _, route := range textRoutes {
		for field := range route.fields {
			body := `{"` + field + `": "` + strings.Repeat("x", 1<<20) + `"}`
			req, err := http.NewRequest(route.method, "http://"+addr+route.path, strings.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err, "%s %s", route.method, route.path)
			answer, err := io.ReadAll(res.Body)
			res.Body.Close()
			require.NoError(t, err)
			harness.Expect(t, harness.Response{Status: res.StatusCode, Body: answer}, http.StatusRequestEntityTooLarge,
				`{"detail": "Request body too large."}`)
		}
	}
}
