package httpapi

import (
	"bytes"
	"mime/multipart"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Every POST, PATCH and PUT decodes its body before anything else runs.
func BenchmarkDecodeBody(b *testing.B) {
	var multipartBody bytes.Buffer
	w := multipart.NewWriter(&multipartBody)
	for _, kv := range [][2]string{{"username", "13800000000"}, {"password", "correct horse"}} {
		if err := w.WriteField(kv[0], kv[1]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	bodies := []struct {
		name, contentType string
		body              []byte
	}{
		{"json", fiber.MIMEApplicationJSON, []byte(`{"username": "13800000000", "password": "correct horse"}`)},
		{"form", fiber.MIMEApplicationForm, []byte(`username=13800000000&password=correct+horse`)},
		{"multipart", w.FormDataContentType(), multipartBody.Bytes()},
	}
	app := fiber.New()
	for _, tc := range bodies {
		b.Run(tc.name, func(b *testing.B) {
			c := app.AcquireCtx(&fasthttp.RequestCtx{})
			defer app.ReleaseCtx(c)
			for b.Loop() {
				// A fresh request each time: fasthttp caches parsed form arguments.
				req := c.Request()
				req.Reset()
				req.Header.SetMethod(fiber.MethodPost)
				req.Header.SetContentType(tc.contentType)
				req.SetBody(tc.body)
				f, err := decodeBody(c)
				if err != nil || len(f) != 2 {
					b.Fatal(f, err)
				}
			}
		})
	}
}
