package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium finds Debian's chromium (the CI script apt-installs it; no test
// downloads a browser). Outside CI a machine without it skips the test; in
// CI (CI set) a missing browser is a failure.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but chromium is not installed: the CI script must run `apt-get install -y chromium`")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium); the real-browser test is skipped outside CI")
	return ""
}

// ModuleRoot is the repository's root (where go.mod is).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("module root: %v", err)
	}
	return root
}
