package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/phoneauth/phoneauth/domain"
)

// fields is a request body as named fields, however it was encoded.
type fields map[string]field

// maxLength caps each text field a route reads, in characters after trimming, before any
// of it reaches a use case or the database: Django's 150 for a username, the contract's
// 30 and 100 for a name and an email, and room to spare for the rest.
var maxLength = map[string]int{
	"username": 150, "password": 4096, "old_password": 4096, "new_password": 4096,
	"mobile": 32, "code": 16, "refresh": 128, "purpose": 32,
	"name": 30, "email": 100, "gender": 16, "birthday": 32, "all": 16,
}

// decodeBody reads a JSON, urlencoded or multipart body, as DRF's parsers do: an empty
// body is an empty request whatever its type, any other media type is refused. Then it
// checks the text of the named fields, those the route reads, in the contract's order:
// invalid UTF-8, a NUL character or a text over the field's length is a 400 on that field
// (every such field at once), and the use case is not called.
func decodeBody(c *fiber.Ctx, names ...string) (fields, error) {
	body, err := decodeFields(c)
	if err != nil {
		return nil, err
	}
	var errs domain.FieldErrors
	for _, name := range names {
		if f := body[name]; f.state == text {
			if err := checkText(f.value, maxLength[name]); err != nil {
				errs = append(errs, domain.FieldError{Field: name, Err: err})
			}
		}
	}
	if errs != nil {
		return nil, errs
	}
	return body, nil
}

// checkText is what every text field must be: valid UTF-8, free of NUL characters (which
// neither database stores in text), and at most max characters after trimming.
func checkText(v string, max int) *domain.Error {
	switch {
	case !utf8.ValidString(v):
		return domain.ErrInvalidText
	case strings.IndexByte(v, 0) >= 0:
		return domain.ErrNullCharacter
	case utf8.RuneCountInString(strings.TrimSpace(v)) > max:
		return domain.ErrTooLong.WithParam(strconv.Itoa(max))
	}
	return nil
}

func decodeFields(c *fiber.Ctx) (fields, error) {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return fields{}, nil
	}
	contentType := c.Get(fiber.HeaderContentType)
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil && contentType != "" {
		return nil, &apiError{status: fiber.StatusUnsupportedMediaType, slug: slugUnsupportedMedia, param: contentType}
	}
	switch mediaType {
	case "", fiber.MIMEApplicationJSON:
		return decodeJSON(body)
	case fiber.MIMEApplicationForm:
		out := fields{}
		c.Request().PostArgs().VisitAll(func(k, v []byte) { out[string(k)] = textField(string(v)) })
		return out, nil
	case fiber.MIMEMultipartForm:
		form, err := c.MultipartForm()
		if err != nil {
			return nil, &apiError{status: fiber.StatusBadRequest, slug: slugMultipartParse, param: err.Error()}
		}
		out := fields{}
		for k, vs := range form.Value {
			if len(vs) > 0 {
				out[k] = textField(vs[len(vs)-1]) // the last value wins, as in Django's QueryDict
			}
		}
		return out, nil
	default:
		return nil, &apiError{status: fiber.StatusUnsupportedMediaType, slug: slugUnsupportedMedia, param: contentType}
	}
}

func decodeJSON(body []byte) (fields, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, &apiError{status: fiber.StatusBadRequest, slug: slugJSONParse, param: err.Error()}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &apiError{status: fiber.StatusBadRequest, slug: slugJSONParse, param: "extra data after the JSON value"}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, &apiError{status: fiber.StatusBadRequest, slug: slugInvalidData, param: pythonTypeName(doc), field: "non_field_errors"}
	}
	out := make(fields, len(obj))
	if !utf8.Valid(body) {
		// encoding/json would read invalid bytes as U+FFFD: keep them, so that the field
		// that holds them is refused by name.
		markInvalidText(body, out)
	}
	for k, v := range obj {
		if _, marked := out[k]; marked {
			continue
		}
		switch v := v.(type) {
		case nil:
			out[k] = field{state: null}
		case string:
			out[k] = textField(v)
		case json.Number:
			out[k] = textField(v.String()) // DRF's CharField accepts numbers as their text
		case bool:
			out[k] = field{state: boolean, value: strconv.FormatBool(v)}
		default:
			out[k] = field{state: notText}
		}
	}
	return out, nil
}

// markInvalidText puts the raw bytes of each top-level string that is not valid UTF-8 in
// out, as that field's text.
func markInvalidText(body []byte, out fields) {
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil {
		return
	}
	for k, v := range raw {
		if !utf8.Valid(v) && len(v) > 0 && v[0] == '"' {
			out[k] = textField(string(v))
		}
	}
}

// pythonTypeName names a JSON value's type as DRF's message does.
func pythonTypeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "NoneType"
	case []any:
		return "list"
	case string:
		return "str"
	case bool:
		return "bool"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "int"
		}
		return "float"
	default:
		return "dict"
	}
}
