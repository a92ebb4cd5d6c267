package httpapi

import (
	"sort"
	"strconv"
	"strings"
)

// SupportedLanguage tells whether lang names a language the catalog speaks.
func SupportedLanguage(lang string) bool { return lang == langEN || lang == langZhHans }

// negotiateLanguage picks the client's most preferred language that the service speaks,
// or fallback. Chinese tags map to Simplified Chinese except the Traditional ones.
func negotiateLanguage(acceptLanguage, fallback string) string {
	type choice struct {
		tag string
		q   float64
	}
	var choices []choice
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if tag != "" && q > 0 {
			choices = append(choices, choice{strings.ToLower(tag), q})
		}
	}
	sort.SliceStable(choices, func(i, j int) bool { return choices[i].q > choices[j].q })
	for _, c := range choices {
		switch {
		case c.tag == "en" || strings.HasPrefix(c.tag, "en-"):
			return langEN
		case c.tag == "zh-hant" || c.tag == "zh-tw" || c.tag == "zh-hk" || c.tag == "zh-mo" || strings.HasPrefix(c.tag, "zh-hant-"):
			continue
		case c.tag == "zh" || strings.HasPrefix(c.tag, "zh-"):
			return langZhHans
		}
	}
	return fallback
}
