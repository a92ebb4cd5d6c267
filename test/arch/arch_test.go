// Package arch keeps the dependency rule of DESIGN.md true: it lists each package's
// imports with `go list` and fails on an edge the hexagon forbids. It also parses the
// domain and fails on an exported struct field, which anyone can assign past the
// constructors, unless the type is listed as a plain value.
package arch

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
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

// exportedFields lists each exported struct type of files that has exported fields and is
// not in plain, and each entry of plain that names no such type (so the list stays true).
func exportedFields(files []*ast.File, plain map[string]string) []string {
	var found []string
	listed := map[string]bool{}
	for _, f := range files {
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok || !ts.Name.IsExported() {
					continue
				}
				var fields []string
				for _, field := range st.Fields.List {
					for _, name := range fieldNames(field) {
						if ast.IsExported(name) {
							fields = append(fields, name)
						}
					}
				}
				if len(fields) == 0 {
					continue
				}
				if _, ok := plain[ts.Name.Name]; ok {
					listed[ts.Name.Name] = true
				} else {
					found = append(found, fmt.Sprintf("domain.%s exports %s", ts.Name.Name, strings.Join(fields, ", ")))
				}
			}
		}
	}
	for name := range plain {
		if !listed[name] {
			found = append(found, fmt.Sprintf("%s is listed as a plain value but is no exported struct with exported fields: remove it", name))
		}
	}
	slices.Sort(found)
	return found
}

// fieldNames names a struct field; an embedded one is named by its type.
func fieldNames(field *ast.Field) []string {
	if len(field.Names) > 0 {
		names := make([]string, len(field.Names))
		for i, n := range field.Names {
			names[i] = n.Name
		}
		return names
	}
	typ := field.Type
	for {
		switch t := typ.(type) {
		case *ast.StarExpr:
			typ = t.X
		case *ast.IndexExpr:
			typ = t.X
		case *ast.IndexListExpr:
			typ = t.X
		case *ast.SelectorExpr:
			return []string{t.Sel.Name}
		case *ast.Ident:
			return []string{t.Name}
		default:
			return nil
		}
	}
}

// parseDomain parses the domain package's files, tests left out.
func parseDomain(t *testing.T) []*ast.File {
	t.Helper()
	paths, err := filepath.Glob("../../domain/*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatal("no domain files found")
	}
	return files
}

func TestDependencyRule(t *testing.T) {
	if v := violations(t, "../.."); len(v) > 0 {
		t.Errorf("forbidden imports:\n  %s", strings.Join(v, "\n  "))
	}
}

// Entities keep their fields unexported, so that only their constructors and methods set
// them. A type listed here is a plain value instead, and says why.
func TestDomainExportsNoMutableFields(t *testing.T) {
	plain := map[string]string{
		"APIToken":         "a stored token as its store hands it over, with no invalid values: Usable only compares ExpiresAt with now.",
		"AccessClaims":     "what a verified access token says, built by the token verifier and only read after.",
		"Backoff":          "configuration read once at start; its fields are the policy it describes.",
		"Counter":          "the stored state of one limit, in which any count and time is a valid state for its methods to advance.",
		"FieldError":       "an error value that ties a request field's name to its Error.",
		"NumberRules":      "configuration read once at start: what NewNumberPolicy checks on top of the numbering plan.",
		"PasswordPolicy":   "configuration read once at start: the minimum length.",
		"ProfileChange":    "a use case's input, the fields a client sent, which User.ChangeProfile validates.",
		"RefreshPolicy":    "configuration read once at start: the two bounds of a session.",
		"RefreshToken":     "a stored link of a session's chain as its store hands it over, judged by RefreshPolicy.CheckRefresh.",
		"Session":          "a stored login as its store hands it over, judged by RefreshPolicy.CheckRefresh.",
		"UserRecord":       "the persistence shape of User, which only UnmarshalUserFromDatabase turns back into one.",
		"ImportedAPIToken": "a token another system issued, read once by an import and stored only as a hash.",
		"ConversionGuard":  "configuration read once at start: the three settings of the rule it describes.",
		"CountryPause":     "an event value told to observers of the conversion guard, read only after.",
	}
	if v := exportedFields(parseDomain(t), plain); len(v) > 0 {
		t.Errorf("exported fields in the domain (unexport them, or list the type as a plain value with a reason):\n  %s", strings.Join(v, "\n  "))
	}
}

// The rules themselves must catch what they forbid.
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

	const src = `package domain

type Listed struct{ A int }
type Entity struct{ a int }
type Open struct {
	a    int
	B, c string
	*Listed
}
type unexported struct{ A int }
`
	f, err := parser.ParseFile(token.NewFileSet(), "open.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := exportedFields([]*ast.File{f}, map[string]string{"Listed": "a test value.", "Gone": "a type since removed."})
	want := []string{
		"Gone is listed as a plain value but is no exported struct with exported fields: remove it",
		"domain.Open exports B, Listed",
	}
	if !slices.Equal(got, want) {
		t.Errorf("exportedFields = %q, want %q", got, want)
	}
}
