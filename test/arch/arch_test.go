// Package arch keeps the dependency rule of DESIGN.md true: it lists each package's
// imports with `go list` and fails on an edge the hexagon forbids.
package arch

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/phoneauth/phoneauth"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// core tells whether the layer must know nothing of how requests arrive.
func core(layer string) bool {
	return layer == "domain" || layer == "ports" || layer == "application"
}

// transport is the standard package that speaks HTTP or decodes a request body which path
// is or is below, or "": that shape is the adapters' business. Third-party ones (Fiber,
// fasthttp, other JSON codecs) need no list: the core may import no third-party package.
func transport(path string) string {
	for _, p := range []string{"net/http", "net/url", "net/textproto", "mime", "encoding/json", "encoding/xml", "html"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return p
		}
	}
	return ""
}

// allowed tells whether importer, a package of the given layer, may import path.
func allowed(layer, importer, path string) bool {
	if path == "os" {
		return layer == "bootstrap" || layer == "test" // only bootstrap reads the environment
	}
	if core(layer) && transport(path) != "" {
		return false
	}
	own := strings.HasPrefix(path, module+"/")
	std := !strings.Contains(strings.Split(path, "/")[0], ".")
	inner := func(layers ...string) bool {
		for _, l := range layers {
			if path == module+"/"+l || strings.HasPrefix(path, module+"/"+l+"/") {
				return true
			}
		}
		return false
	}
	switch layer {
	case "domain":
		return std
	case "ports":
		return std || inner("domain")
	case "application":
		return std || inner("domain", "ports")
	case "adapters":
		if path == "go.uber.org/fx" || strings.HasPrefix(path, "go.uber.org/fx/") {
			return false
		}
		// Another adapter is forbidden; a package's own sub-packages are its own.
		if inner("adapters") {
			return strings.HasPrefix(path, adapterRoot(importer)+"/")
		}
		return !own || inner("domain", "ports")
	default:
		return true
	}
}

// adapterRoot is adapters/<name> for any package below it.
func adapterRoot(importPath string) string {
	parts := strings.SplitN(strings.TrimPrefix(importPath, module+"/"), "/", 3)
	return module + "/" + parts[0] + "/" + parts[1]
}

func layerOf(importPath string) string {
	return strings.SplitN(strings.TrimPrefix(importPath, module+"/"), "/", 2)[0]
}

// violations lists forbidden edges of the packages under dir.
func violations(t *testing.T, dir string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var found []string
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		found = append(found, forbidden(p)...)
	}
	return found
}

// forbidden lists the forbidden edges of one package.
func forbidden(p pkg) []string {
	var found []string
	layer := layerOf(p.ImportPath)
	direct := map[string]bool{}
	for _, imp := range p.Imports {
		if !allowed(layer, p.ImportPath, imp) {
			found = append(found, fmt.Sprintf("%s imports %s", p.ImportPath, imp))
		}
		direct[transport(imp)] = true
	}
	if !core(layer) {
		return found
	}
	// A standard package such as expvar or net/rpc brings net/http in with it.
	var indirect []string
	for _, dep := range p.Deps {
		if root := transport(dep); root != "" && !direct[root] {
			indirect = append(indirect, root)
		}
	}
	slices.Sort(indirect)
	if indirect = slices.Compact(indirect); len(indirect) > 0 {
		found = append(found, fmt.Sprintf("%s depends on %s through its imports", p.ImportPath, strings.Join(indirect, ", ")))
	}
	return found
}

func TestDependencyRule(t *testing.T) {
	if v := violations(t, "../.."); len(v) > 0 {
		t.Errorf("forbidden imports:\n  %s", strings.Join(v, "\n  "))
	}
}

// The rule itself must catch what it forbids.
func TestRuleCatchesForbiddenEdges(t *testing.T) {
	cases := []struct{ importer, path string }{
		{module + "/domain", "github.com/gofiber/fiber/v2"},
		{module + "/domain", module + "/ports"},
		{module + "/ports", module + "/application"},
		{module + "/application", module + "/adapters/sqlstore"},
		{module + "/application", "github.com/uptrace/bun"},
		{module + "/adapters/httpapi", module + "/adapters/sqlstore"},
		{module + "/adapters/httpapi", module + "/application"},
		{module + "/adapters/sms", "go.uber.org/fx"},
		{module + "/application", "os"},
		{module + "/ports", "net/http"},
		{module + "/ports", "encoding/json"},
		{module + "/ports", "github.com/valyala/fasthttp"},
		{module + "/application", "net/http/httptest"},
		{module + "/application", "net/url"},
		{module + "/application", "mime/multipart"},
		{module + "/application", "encoding/json/v2"},
		{module + "/application", "github.com/gofiber/fiber/v2"},
		{module + "/domain", "encoding/xml"},
	}
	for _, c := range cases {
		if allowed(layerOf(c.importer), c.importer, c.path) {
			t.Errorf("%s -> %s should be forbidden", c.importer, c.path)
		}
	}
	indirect := pkg{ImportPath: module + "/application", Imports: []string{"expvar"}, Deps: []string{"expvar", "net/http"}}
	if got := forbidden(indirect); len(got) != 1 {
		t.Errorf("application -> expvar -> net/http: got %q, want one forbidden edge", got)
	}

}
