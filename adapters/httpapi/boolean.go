package httpapi

import (
	"mime"

	"github.com/gofiber/fiber/v2"

	"github.com/phoneauth/phoneauth/domain"
)

// The texts DRF's BooleanField reads as true and as false. A JSON number arrives as its
// text, so 1 and 0 are here too.
var (
	booleanTrue = map[string]bool{
		"t": true, "T": true, "y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
		"true": true, "True": true, "TRUE": true, "on": true, "On": true, "ON": true, "1": true,
	}
	booleanFalse = map[string]bool{
		"f": true, "F": true, "n": true, "N": true, "no": true, "No": true, "NO": true,
		"false": true, "False": true, "FALSE": true, "off": true, "Off": true, "OFF": true, "0": true,
	}
)

// optionalBoolean reads the field name as DRF's BooleanField(required=False) does: missing
// is false, and so is an empty value in a form (DRF skips it there); null and any value
// outside the two lists are field errors.
func optionalBoolean(c *fiber.Ctx, name string, f field) (bool, error) {
	switch f.state {
	case missing:
		return false, nil
	case null:
		return false, domain.FieldErrors{{Field: name, Err: domain.ErrNull}}
	case boolean:
		return f.value == "true", nil
	case text:
		switch {
		case booleanTrue[f.value]:
			return true, nil
		case booleanFalse[f.value], f.value == "" && isForm(c):
			return false, nil
		}
	}
	return false, domain.FieldErrors{{Field: name, Err: domain.ErrNotABoolean}}
}

// isForm tells whether the request body is a urlencoded or multipart form.
func isForm(c *fiber.Ctx) bool {
	mediaType, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	return mediaType == fiber.MIMEApplicationForm || mediaType == fiber.MIMEMultipartForm
}
