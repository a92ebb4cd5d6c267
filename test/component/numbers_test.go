package component_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/adapters/sqlstore"
	"github.com/phoneauth/phoneauth/bootstrap"
	"github.com/phoneauth/phoneauth/test/harness"
	"github.com/phoneauth/phoneauth/test/testdb"
)

// spellings of a Chinese mobile written nationally (13800000012): what clients type.
func spellings(national string) map[string]string {
	return map[string]string{
		"national":       national,
		"grouped":        national[:3] + " " + national[3:7] + " " + national[7:],
		"dashed, +86":    "+86 " + national[:3] + "-" + national[3:7] + "-" + national[7:],
		"E.164":          "+86" + national,
		"international":  "0086" + national,
		"parenthesised":  "(" + national[:3] + ") " + national[3:],
		"dotted, spaced": " " + national[:3] + "." + national[3:7] + "." + national[7:] + " ",
	}
}

const invalidMobile = `{"mobile": ["Invalid mobile phone number"]}`

// Issue 16: every spelling of a number is one account. A code asked for in one spelling
// registers in another; the answers and the SMS show the national form, as MxShop did;
// any spelling then logs in and is taken for a second sign-up.
func TestOneAccountPerNumberAcrossSpellings(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL})
		national := harness.NewMobile()
		s := spellings(national)

		harness.Expect(t, h.Post("/code/", map[string]any{"mobile": s["dashed, +86"]}), http.StatusCreated, `{"mobile": "`+national+`"}`)
		h.WaitForSends()
		outbox := h.SMS.Outbox()
		require.NotEmpty(t, outbox)
		msg := outbox[len(outbox)-1]
		require.Equal(t, national, msg.Mobile, "the provider gets the national form, as before")
		code := harness.CodePattern.FindString(msg.Text)
		h.AddSecrets(code)

		r := h.Post("/users/", map[string]any{"username": s["grouped"], "code": code, "password": "correct horse"})
		require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
		body := r.JSON(t)
		h.AddSecrets(body["token"].(string), body["refresh"].(string))
		assert.Equal(t, national, body["username"])
		assert.Equal(t, national, body["mobile"])
		assert.Equal(t, national, body["name"])

		for name, spelling := range s {
			token := h.Login(spelling, "correct horse")
			harness.Expect(t, h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token), http.StatusOK,
				`{"name": null, "gender": "female", "birthday": null, "email": null, "mobile": "`+national+`"}`)
			h.Clock.Advance(time.Minute)
			harness.Expect(t, h.Post("/code/", map[string]any{"mobile": spelling}), http.StatusBadRequest, `{"mobile": ["User already exists"]}`)
			harness.Expect(t, h.Post("/users/", map[string]any{"username": spelling, "code": "000000", "password": "correct horse"}),
				http.StatusBadRequest, `{"username": ["User already exists"], "code": ["Verification code error"]}`)
			_ = name
		}
		stored := storedUser(t, databaseURL, national)
		assert.Equal(t, "+86"+national, stored.Mobile(), "stored in E.164")
		assert.Equal(t, national, stored.Username(), "the username is the number as answers show it")
	})
}

// One number has one resend interval and one daily budget, whatever its spelling.
func TestOneLimitPerNumberAcrossSpellings(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "SMS_DAILY_LIMIT": "2"})
		national := harness.NewMobile()
		s := spellings(national)
		h.RequestCode(national)
		for _, spelling := range []string{s["E.164"], s["grouped"], s["international"]} {
			harness.Expect(t, h.Post("/code/", map[string]any{"mobile": spelling}), http.StatusBadRequest,
				`{"mobile": ["Less than 60 seconds since the last code was sent"]}`)
		}
		h.Clock.Advance(time.Minute)
		harness.Expect(t, h.Post("/code/", map[string]any{"mobile": s["dashed, +86"]}), http.StatusCreated, `{"mobile": "`+national+`"}`)
		h.Clock.Advance(time.Minute)
		r := h.Post("/code/", map[string]any{"mobile": s["E.164"]})
		require.Equal(t, http.StatusTooManyRequests, r.Status, "the daily limit of the number is spent: %s", r.Body)
		h.WaitForSends()
		assert.Len(t, h.SMS.Outbox(), 2)
	})
}

// Bad numbers are refused in the contract's words, never with a 500, before anything is
// counted: with an hourly budget of one per IP, a good number still gets its code after.
func TestBadNumbersAreRefusedBeforeAnythingIsCounted(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "SMS_IP_HOURLY_LIMIT": "1", "ALLOWED_REGIONS": "*"})
		for name, raw := range map[string]string{
			"letters":           "1380000a000",
			"too short":         "1380000000",
			"too long":          "138000000000",
			"unknown region":    "+99912345678",
			"full-width digits": "１３８００１３８０００",
			"extension":         "13800138000 ext. 12",
			"extension x":       "+8613800138000x12",
			"VoIP (GB)":         "+445612345678",
			"premium rate (GB)": "+449012345678",
			"premium rate (CN)": "+8616812345",
			"toll free (CN)":    "+868001234567",
		} {
			t.Run(name, func(t *testing.T) {
				harness.Expect(t, h.Post("/code/", map[string]any{"mobile": raw}), http.StatusBadRequest, invalidMobile)
				harness.Expect(t, h.Post("/code/", map[string]any{"mobile": raw}, "Accept-Language", "zh-hans"), http.StatusBadRequest,
					`{"mobile": ["手机号码非法"]}`)
				harness.Expect(t, h.Post("/code/", map[string]any{"mobile": raw, "purpose": "login"}), http.StatusBadRequest, invalidMobile)
				harness.Expect(t, h.Post("/login/code/", map[string]any{"mobile": raw, "code": "123456"}), http.StatusBadRequest, invalidMobile)
			})
		}
		h.WaitForSends()
		require.Empty(t, h.SMS.Outbox(), "no SMS went out")
		// Each of the three /code/ requests for the four numbers of types that get no codes
		// (VoIP, premium rate twice, toll free) is counted as such.
		require.Equal(t, 4.0*3, h.Metric("phoneauth_limit_refusals_total", `reason="number_type"`))
		h.RequestCode(harness.NewMobile())
	})
}

// ALLOWED_REGIONS defaults to DEFAULT_REGION: a valid number of another region gets the
// region message, with nothing counted; allowed, it gets its code and is shown in E.164.
func TestRegionsAllowed(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "SMS_IP_HOURLY_LIMIT": "1"})
		for _, raw := range []string{"+852 6123 4567", "+447400123456"} {
			harness.Expect(t, h.Post("/code/", map[string]any{"mobile": raw}), http.StatusBadRequest,
				`{"mobile": ["Text messages cannot be sent to numbers of this country or region"]}`)
		}
		h.WaitForSends()
		require.Empty(t, h.SMS.Outbox())
		require.Equal(t, 2.0, h.Metric("phoneauth_limit_refusals_total", `reason="region"`))
		require.Zero(t, h.Metric("phoneauth_limit_refusals_total", `reason="prefix"`))
		h.RequestCode(harness.NewMobile())
	})
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "ALLOWED_REGIONS": "CN,HK"})
		harness.Expect(t, h.Post("/code/", map[string]any{"mobile": "+852 6123 4567"}), http.StatusCreated, `{"mobile": "+85261234567"}`)
		h.WaitForSends()
		outbox := h.SMS.Outbox()
		require.Len(t, outbox, 1)
		require.Equal(t, "+85261234567", outbox[0].Mobile, "a number of another region goes to the provider in E.164")
		code := harness.CodePattern.FindString(outbox[0].Text)
		h.AddSecrets(code)
		r := h.Post("/users/", map[string]any{"username": "+85261234567", "code": code, "password": "correct horse"})
		require.Equal(t, http.StatusCreated, r.Status, "body: %s", r.Body)
		body := r.JSON(t)
		h.AddSecrets(body["token"].(string), body["refresh"].(string))
		assert.Equal(t, "+85261234567", body["username"])
		assert.Equal(t, "+85261234567", body["mobile"])
		h.Login("+852-6123-4567", "correct horse")
	})
}

// SMS_ALLOWED_NUMBER_TYPES widens what gets codes; an old MOBILE_REGEX and
// SMS_ALLOWED_PREFIXES still apply on top (the regex to the shown form).
func TestNumberTypesAndOldSettings(t *testing.T) {
	t.Parallel()
	h := harness.New(t, map[string]string{"ALLOWED_REGIONS": "GB", "SMS_ALLOWED_NUMBER_TYPES": "mobile,voip"})
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": "+44 56 1234 5678"}), http.StatusCreated, `{"mobile": "+445612345678"}`)
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": "+449012345678"}), http.StatusBadRequest, invalidMobile)

	old := harness.New(t, map[string]string{"MOBILE_REGEX": `^13[0-8]\d{8}$`, "SMS_ALLOWED_PREFIXES": "+86138,139"})
	national := harness.NewMobile() // 138...
	harness.Expect(t, old.Post("/code/", map[string]any{"mobile": "+86 " + national}), http.StatusCreated, `{"mobile": "`+national+`"}`)
	harness.Expect(t, old.Post("/code/", map[string]any{"mobile": "13912345678"}), http.StatusBadRequest, invalidMobile)
	harness.Expect(t, old.Post("/code/", map[string]any{"mobile": "13712345678"}), http.StatusBadRequest,
		`{"mobile": ["Text messages cannot be sent to numbers of this country or region"]}`)
	harness.Expect(t, old.Post("/code/", map[string]any{"mobile": "+85261234567"}), http.StatusBadRequest, invalidMobile)

	// A shop that served Hong Kong alone by prefix still does.
	hk := harness.New(t, map[string]string{"MOBILE_REGEX": `^\+\d{8,15}$`, "SMS_ALLOWED_PREFIXES": "+852"})
	harness.Expect(t, hk.Post("/code/", map[string]any{"mobile": "+85261234567"}), http.StatusCreated, `{"mobile": "+85261234567"}`)
	harness.Expect(t, hk.Post("/code/", map[string]any{"mobile": "+86" + harness.NewMobile()}), http.StatusBadRequest,
		`{"mobile": ["Text messages cannot be sent to numbers of this country or region"]}`)
}

// Issue 16: a database whose mobiles were stored as clients typed them is normalised to
// E.164 when the service migrates it; rows that would merge two accounts are left as they
// were and logged, and picked up by a later start once settled.
func TestMigrationNormalisesStoredNumbers(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, databaseURL string) {
		db, err := sqlstore.Open(databaseURL, sqlstore.DefaultMaxConns(), 0)
		require.NoError(t, err)
		require.NoError(t, sqlstore.Migrate(t.Context(), db), "the schema as the previous release left it")
		a, b, c, d := harness.NewMobile(), harness.NewMobile(), harness.NewMobile(), harness.NewMobile()
		rows := []struct {
			id               int64
			username, mobile string
		}{
			{101, a, a},                               // national: normalised
			{102, "bob", "+86 " + b},                  // spaced: normalised
			{103, c, c},                               // conflicts with 104: the same phone twice
			{104, "+86" + c, "+86" + c},               // canonical already, but 103 spells it too
			{105, "dora", "0086-" + d},                // normalised
			{106, "eve", "not a number"},              // left alone
			{107, "frank", ""},                        // no mobile
			{108, "+852 6123 4567", "+852 6123 4567"}, // another region: normalised
		}
		for _, r := range rows {
			var mobile any = r.mobile
			if r.mobile == "" {
				mobile = nil
			}
			_, err := db.ExecContext(t.Context(), `INSERT INTO users (id, username, mobile, password_hash, date_joined) VALUES (?, ?, ?, 'x', 0)`,
				r.id, r.username, mobile)
			require.NoError(t, err)
		}
		require.NoError(t, db.Close())

		h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL})
		want := map[int64]string{101: "+86" + a, 102: "+86" + b, 103: c, 104: "+86" + c, 105: "+86" + d, 106: "not a number", 107: "",
			108: "+85261234567"}
		assert.Equal(t, want, storedMobiles(t, databaseURL))
		log := h.Log()
		assert.Contains(t, log, `msg="numbers: several accounts have one number; left as they are, settle by hand" number=+86`+c+` user_ids=103,104`)
		assert.Contains(t, log, `user_ids=106`)
		assert.Contains(t, log, `rewritten=4 conflicts=1`)
		// The users of the normalised rows keep their usernames; their numbers are taken in every spelling.
		h.Clock.Advance(time.Minute)
		harness.Expect(t, h.Post("/code/", map[string]any{"mobile": b}), http.StatusBadRequest, `{"mobile": ["User already exists"]}`)
		h.Stop()

		// The operator settles the conflict; the next start normalises what is left.
		db, err = sqlstore.Open(databaseURL, sqlstore.DefaultMaxConns(), 0)
		require.NoError(t, err)
		_, err = db.ExecContext(t.Context(), `DELETE FROM users WHERE id = 104`)
		require.NoError(t, err)
		var logs strings.Builder
		require.NoError(t, sqlstore.Migrate(context.Background(), db, sqlstore.WithNumbers(func(s string) (string, bool) {
			if s == c {
				return "+86" + c, true
			}
			return "", false
		}, slog.New(slog.NewTextHandler(&logs, nil)))))
		require.NoError(t, db.Close())
		want[103] = "+86" + c
		delete(want, 104)
		assert.Equal(t, want, storedMobiles(t, databaseURL))
		assert.Contains(t, logs.String(), "rewritten=1 conflicts=0")
	})
}

func storedMobiles(t *testing.T, databaseURL string) map[int64]string {
	t.Helper()
	db, err := sqlstore.Open(databaseURL, sqlstore.DefaultMaxConns(), 0)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), `SELECT id, COALESCE(mobile, '') FROM users WHERE id > 100 AND id < 200`)
	require.NoError(t, err)
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var mobile string
		require.NoError(t, rows.Scan(&id, &mobile))
		out[id] = mobile
	}
	require.NoError(t, rows.Err())
	return out
}

// import-django stores MxShop's mobiles in E.164 too: a second MxShop account for one
// number in another spelling is skipped and reported, not merged.
func TestDjangoImportNormalisesNumbers(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, target string) {
		h := harness.New(t, map[string]string{"DATABASE_URL": target})
		source := "sqlite://" + mxshopDatabase(t, []djangoUser{
			{id: 41, username: "dan", mobile: "137 0000 0041", password: "old password", iterations: 1000},
			{id: 42, username: "erin", mobile: "+8613700000041", password: "old password", iterations: 1000},
			{id: 43, username: "13700000043", mobile: "13700000043", password: "old password", iterations: 1000},
		})
		env := func(k string) (string, bool) {
			v, ok := map[string]string{"DATABASE_URL": target, "JWT_SECRET": harness.Secret}[k]
			return v, ok
		}
		var out bytes.Buffer
		require.NoError(t, bootstrap.Main(context.Background(), []string{"import-django", "--from", source}, env, &out, &out))
		require.Contains(t, out.String(), "user 42 skipped: its username or mobile belongs to another user\n"+
			"users:  2 imported, 0 already present, 1 skipped\n")
		assert.Equal(t, "+8613700000041", storedUser(t, target, "dan").Mobile())
		assert.Equal(t, "+8613700000043", storedUser(t, target, "13700000043").Mobile())
		h.AddSecrets("old password")
		for _, login := range []string{"dan", "13700000041", "+86 137 0000 0041", "13700000043", "+8613700000043"} {
			token := h.Login(login, "old password")
			r := h.Request(http.MethodGet, "/users/1/", nil, "Authorization", "JWT "+token)
			require.Equal(t, http.StatusOK, r.Status)
			assert.Contains(t, string(r.Body), `"mobile":"137000000`, "shown nationally")
		}
	})
}

// A code to log in or to change the number, asked for in one spelling, works in another;
// a username that was the number follows it to the new one, shown as answers show it.
func TestCodesServeEverySpelling(t *testing.T) {
	t.Parallel()
	databaseURL := testdb.SQLiteURL(t)
	h := harness.New(t, map[string]string{"DATABASE_URL": databaseURL, "ALLOWED_REGIONS": "CN,HK"})
	national := harness.NewMobile()
	token := h.Register(national, "correct horse")
	h.Clock.Advance(time.Minute)

	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": "+86 " + national, "purpose": "login"}), http.StatusCreated, `{"mobile": "`+national+`"}`)
	h.WaitForSends()
	outbox := h.SMS.Outbox()
	code := harness.CodePattern.FindString(outbox[len(outbox)-1].Text)
	h.AddSecrets(code)
	r := h.Post("/login/code/", map[string]any{"mobile": "0086" + national, "code": code})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	h.AddSecrets(r.JSON(t)["token"].(string), r.JSON(t)["refresh"].(string))

	auth := []string{"Authorization", "JWT " + token}
	harness.Expect(t, h.Post("/code/", map[string]any{"mobile": "+852 6123 4568", "purpose": "change_mobile"}, auth...), http.StatusCreated,
		`{"mobile": "+85261234568"}`)
	h.WaitForSends()
	outbox = h.SMS.Outbox()
	code = harness.CodePattern.FindString(outbox[len(outbox)-1].Text)
	h.AddSecrets(code)
	harness.Expect(t, h.Post("/users/mobile/", map[string]any{"mobile": "+85261234568", "code": code}, auth...), http.StatusOK,
		`{"name": null, "gender": "female", "birthday": null, "email": null, "mobile": "+85261234568"}`)
	assert.Equal(t, "+85261234568", storedUser(t, databaseURL, "+85261234568").Username())
	h.Login("+852 6123-4568", "correct horse")
	harness.Expect(t, h.Post("/login/", map[string]any{"username": national, "password": "correct horse"}), http.StatusBadRequest,
		`{"non_field_errors": ["Unable to log in with provided credentials."]}`)
}
