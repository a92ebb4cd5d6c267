package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/phoneauth/phoneauth/ports"
)

// fields is a request body as named fields, however it was encoded.
type fields map[string]ports.Field

// decodeBody reads a JSON, urlencoded or multipart body, as DRF's parsers do: an empty
// body is an empty request whatever its type, any other media type is refused.
func decodeBody(c *fiber.Ctx) (fields, error) {
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
		c.Request().PostArgs().VisitAll(func(k, v []byte) { out[string(k)] = ports.TextField(string(v)) })
		return out, nil
	case fiber.MIMEMultipartForm:
		form, err := c.MultipartForm()
		if err != nil {
			return nil, &apiError{status: fiber.StatusBadRequest, slug: slugJSONParse, param: "multipart: " + err.Error()}
		}
		out := fields{}
		for k, vs := range form.Value {
			if len(vs) > 0 {
				out[k] = ports.TextField(vs[len(vs)-1]) // the last value wins, as in Django's QueryDict
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
	for k, v := range obj {
		switch v := v.(type) {
		case nil:
			out[k] = ports.Field{State: ports.Null}
		case string:
			out[k] = ports.TextField(v)
		case json.Number:
			out[k] = ports.TextField(v.String()) // DRF's CharField accepts numbers as their text
		case bool:
			out[k] = ports.Field{State: ports.Boolean, Value: strconv.FormatBool(v)}
		default:
			out[k] = ports.Field{State: ports.NotText}
		}
	}
	return out, nil
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
