package hostnet

import (
	"encoding/json"
	"errors"
	"testing"
)

func fixedPort(p int) FreePort { return func() (int, error) { return p, nil } }

// samCreate is the body SAM CLI 1.170 sends to create a Lambda container.
const samCreate = `{"Image":"cch-lambda-base:rapid-x86_64","Entrypoint":["/var/rapid/aws-lambda-rie","--log-level","error"],
"Labels":{"sam.cli.container.type":"lambda"},"ExposedPorts":{"8080/tcp":{}},
"HostConfig":{"PortBindings":{"8080/tcp":[{"HostIp":"127.0.0.1","HostPort":"5432"}]},"Binds":["/x:/var/task:ro,delegated"]}}`

// TestRewrite: given container create bodies, when rewritten, then SAM's
// Lambda containers go on the host network with the emulator on SAM's port
// and its Runtime API on a free one, and anything else passes unchanged.
func TestRewrite(t *testing.T) {
	out, changed, err := Rewrite([]byte(samCreate), fixedPort(40001))
	if err != nil || !changed {
		t.Fatalf("then rewritten; got changed=%v err=%v", changed, err)
	}
	var c struct {
		Entrypoint   []string
		ExposedPorts map[string]any
		HostConfig   map[string]any
	}
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	want := []string{"/var/rapid/aws-lambda-rie", "--log-level", "error",
		"--runtime-interface-emulator-address", "127.0.0.1:5432", "--runtime-api-address", "127.0.0.1:40001"}
	if len(c.Entrypoint) != len(want) {
		t.Fatalf("entrypoint %v, want %v", c.Entrypoint, want)
	}
	for i := range want {
		if c.Entrypoint[i] != want[i] {
			t.Fatalf("entrypoint %v, want %v", c.Entrypoint, want)
		}
	}
	if c.HostConfig["NetworkMode"] != "host" || c.HostConfig["PortBindings"] != nil || c.ExposedPorts != nil {
		t.Errorf("then host network without port publishing; got %v %v", c.HostConfig, c.ExposedPorts)
	}
	if c.HostConfig["Binds"] == nil {
		t.Error("then the rest of HostConfig is kept")
	}

	other := []byte(`{"Image":"busybox","HostConfig":{"NetworkMode":"bridge"}}`)
	if out, changed, err := Rewrite(other, fixedPort(1)); err != nil || changed || string(out) != string(other) {
		t.Errorf("then a container that is not SAM's passes unchanged; got %s %v %v", out, changed, err)
	}

	for name, body := range map[string]string{
		"no port binding": `{"Entrypoint":["/rie"],"Labels":{"sam.cli.container.type":"lambda"},"HostConfig":{}}`,
		"bad port":        `{"Entrypoint":["/rie"],"Labels":{"sam.cli.container.type":"lambda"},"HostConfig":{"PortBindings":{"8080/tcp":[{"HostPort":"x"}]}}}`,
		"no entrypoint":   `{"Labels":{"sam.cli.container.type":"lambda"},"HostConfig":{"PortBindings":{"8080/tcp":[{"HostPort":"1"}]}}}`,
	} {
		if _, _, err := Rewrite([]byte(body), fixedPort(1)); !errors.Is(err, ErrNotRewritable) {
			t.Errorf("%s: then ErrNotRewritable; got %v", name, err)
		}
	}
}
