// Package readme checks that README.md tells the truth: its walk-through, run with bash and
// curl against the service as `make run` starts it, gives the answers it shows.
package readme

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/phoneauth/phoneauth/bootstrap"
	"github.com/phoneauth/phoneauth/test/harness"
)

// step is one command of the walk-through and the answer the README shows for it, if any.
type step struct {
	command  string
	answer   string // a JSON object; a string value ending in "..." stands for any text it starts
	logShown string // the log line shown under it, for the code's SMS
}

func TestWalkThrough(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("the walk-through needs curl (.ci/run installs it)")
	}
	steps := walkThrough(t)
	require.NotEmpty(t, steps)
	addr, log := serve(t)

	vars := map[string]string{}
	assignment := regexp.MustCompile(`^(\w+)=\$\(([\s\S]*)\)$`)
	code := ""
	for i, s := range steps {
		command := strings.ReplaceAll(s.command, "localhost:8000", addr)
		command = strings.ReplaceAll(command, waitShown, waitRun)
		if code != "" {
			command = strings.ReplaceAll(command, `"code": "123456"`, `"code": "`+code+`"`)
		}
		if m := assignment.FindStringSubmatch(command); m != nil {
			vars[m[1]] = strings.TrimSpace(run(t, m[2], vars))
			require.NotEmpty(t, vars[m[1]], "step %d set %s to nothing", i+1, m[1])
			continue
		}
		sent := 0
		if s.logShown != "" {
			sent = len(smsLines(t, log, s.logShown))
		}
		got := run(t, command, vars)
		if s.answer != "" {
			matchAnswer(t, s.answer, got, s.command)
		}
		if s.logShown != "" {
			code = codeFromLog(t, log, s.logShown, sent)
		}
	}
}

// The walk-through waits out the resend interval (60 s) before each further code to its
// number; the service here runs with a shorter one, and the commands wait that long.
const (
	resendInterval = "1s"
	waitShown      = "sleep 60"
	waitRun        = "sleep 1.2"
)

// walkThrough reads the sh block under "## Walk-through" as steps.
func walkThrough(t *testing.T) []step {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, section, found := strings.Cut(string(raw), "## Walk-through\n")
	require.True(t, found, "README.md has no walk-through")
	_, block, _ := strings.Cut(section, "```sh\n")
	block, _, _ = strings.Cut(block, "```")

	var steps []step
	var command strings.Builder
	scanner := bufio.NewScanner(strings.NewReader(block))
	for scanner.Scan() {
		line := scanner.Text()
		switch {
		case command.Len() > 0:
			command.WriteString("\n" + line)
		case strings.HasPrefix(line, "# {") && len(steps) > 0:
			steps[len(steps)-1].answer = strings.TrimPrefix(line, "# ")
			continue
		case strings.HasPrefix(line, "#   log: ") && len(steps) > 0:
			steps[len(steps)-1].logShown = strings.TrimPrefix(line, "#   log: ")
			continue
		case strings.HasPrefix(line, "#"), strings.TrimSpace(line) == "":
			continue
		default:
			command.WriteString(line)
		}
		if !strings.HasSuffix(line, `\`) {
			steps = append(steps, step{command: command.String()})
			command.Reset()
		}
	}
	return steps
}

// serve starts the service as `make run` does, but on a free port, a fresh SQLite file and
// a short resend interval, and returns its address and the file its log goes to.
func serve(t *testing.T) (addr, log string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr = ln.Addr().String()
	require.NoError(t, ln.Close())
	dir := t.TempDir()
	log = filepath.Join(dir, "service.log")
	logFile, err := os.Create(log)
	require.NoError(t, err)
	env := map[string]string{
		"HTTP_ADDR": addr, "DATABASE_URL": "sqlite://" + filepath.Join(dir, "phoneauth.db"), "JWT_SECRET": harness.Secret,
		"SMS_RESEND_INTERVAL": resendInterval,
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bootstrap.Main(ctx, nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, logFile, logFile)
	}()
	t.Cleanup(func() {
		stop()
		require.NoError(t, <-done)
		logFile.Close()
	})
	require.Eventually(t, func() bool {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
		}
		return err == nil
	}, 10*time.Second, 50*time.Millisecond, "the service did not start")
	return addr, log
}

// run runs command with bash, the variables set so far in its environment.
func run(t *testing.T, command string, vars map[string]string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", command)
	cmd.Env = os.Environ()
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.Output()
	require.NoError(t, err, "%s", command)
	return string(out)
}

// matchAnswer checks got against the answer shown: the same keys, the same values, and a
// string shown ending in "..." is the start of the value.
func matchAnswer(t *testing.T, shown, got, command string) {
	t.Helper()
	var want, have map[string]any
	require.NoError(t, json.Unmarshal([]byte(shown), &want), "the README shows %s", shown)
	require.NoError(t, json.Unmarshal([]byte(got), &have), "%s answered %s", command, got)
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		return ks
	}
	require.ElementsMatch(t, keys(want), keys(have), "%s answered %s; the README shows %s", command, got, shown)
	for k, w := range want {
		if s, ok := w.(string); ok && strings.HasSuffix(s, "...") {
			require.IsType(t, "", have[k], "%s: %s", command, k)
			require.True(t, strings.HasPrefix(have[k].(string), strings.TrimSuffix(s, "...")), "%s: %s is %v, the README shows %s", command, k, have[k], s)
			continue
		}
		require.Equal(t, w, have[k], "%s: %s", command, k)
	}
}

// codeFromLog finds, in the service's log, the SMS line the README shows, the first after
// the sent lines of its kind already there, and returns the code it carries. A code that
// must not tell accounts apart is sent after the answer, so the line may come a little later.
func codeFromLog(t *testing.T, log, shown string, sent int) string {
	t.Helper()
	var want map[string]string
	require.NoError(t, json.Unmarshal([]byte(shown), &want), "the README shows the log line %s", shown)
	text, _, _ := strings.Cut(want["text"], "123456")
	var lines []map[string]any
	require.Eventually(t, func() bool {
		lines = smsLines(t, log, shown)
		return len(lines) > sent
	}, 5*time.Second, 20*time.Millisecond, "no new log line %q", want["msg"])
	entry := lines[sent]
	require.Equal(t, want["level"], entry["level"])
	require.Equal(t, want["mobile"], entry["mobile"])
	got, _ := entry["text"].(string)
	require.True(t, strings.HasPrefix(got, text), "the SMS says %q, the README shows %q", got, want["text"])
	return digits.FindString(strings.TrimPrefix(got, text))
}

// smsLines returns the entries of the service's log whose message is that of the line shown.
func smsLines(t *testing.T, log, shown string) []map[string]any {
	t.Helper()
	var want map[string]string
	require.NoError(t, json.Unmarshal([]byte(shown), &want), "the README shows the log line %s", shown)
	raw, err := os.ReadFile(log)
	require.NoError(t, err)
	var lines []map[string]any
	for _, line := range strings.Split(string(raw), "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) == nil && entry["msg"] == want["msg"] {
			lines = append(lines, entry)
		}
	}
	return lines
}

var digits = regexp.MustCompile(`^[0-9]+`)
