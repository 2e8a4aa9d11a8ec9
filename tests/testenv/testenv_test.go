package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/customercloud/home/infra/local/provision"
	"github.com/customercloud/home/tests/testkit"
)

func TestGivenARawString_WhenSanitized_ThenOnlyAllowedCharactersRemainWithinTheLimit(t *testing.T) {
	tests := []struct {
		in, punct string
		n         int
		want      string
	}{
		{"TestX/sub case#1", "_.-", 100, "TestX-sub-case-1"},
		{"a.b_c-d", "_-", 100, "a-b_c-d"},
		{"ünïcode", "_-", 100, "-n-code"},
		{"abcdef", "_-", 3, "abc"},
	}
	for _, tc := range tests {
		if got := sanitize(tc.in, tc.punct, tc.n); got != tc.want {
			t.Errorf("sanitize(%q, %q, %d) = %q, want %q", tc.in, tc.punct, tc.n, got, tc.want)
		}
	}
}

func TestGivenAStackEnvFile_WhenParsed_ThenExportLinesBecomeVars(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stack.env")
	content := "# comment\n\nexport A=http://127.0.0.1:8000\nexport B='it'\\''s quoted'\nC=plain\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}

	vars, err := parseEnvFile(path)

	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	want := map[string]string{"A": "http://127.0.0.1:8000", "B": "it's quoted", "C": "plain"}
	testkit.EqualMap(t, "vars", vars, want)
}

// A very long test name must still give valid, unique names: table names
// ≤ 255 of [a-zA-Z0-9_.-], queue names ≤ 80 ending in .fifo.
func TestGivenALongTestName_WhenNewTableAndNewQueues_ThenNamesAreValidAndUsable(t *testing.T) {
	t.Parallel()
	env := Stack(t)
	long := strings.Repeat("very long/name with spaces & symbols ", 10)
	var table, events, dlq string
	t.Run(long, func(t *testing.T) {
		table = env.NewTable(t)
		events, dlq = env.NewQueues(t)
		table2 := env.NewTable(t)

		if !regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`).MatchString(table) {
			t.Errorf("table name %q is not valid", table)
		}
		if table == table2 {
			t.Errorf("two NewTable calls gave the same name %q", table)
		}
		for _, u := range []string{events, dlq} {
			name := u[strings.LastIndex(u, "/")+1:]
			if len(name) > provision.MaxQueueNameLen || !strings.HasSuffix(name, ".fifo") {
				t.Errorf("queue name %q (%d chars) is not a valid FIFO name", name, len(name))
			}
		}
		if _, err := env.SQS.SendMessage(t.Context(), &sqs.SendMessageInput{
			QueueUrl: aws.String(events), MessageBody: aws.String("x"),
			MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d"),
		}); err != nil {
			t.Errorf("send to the new queue: %v", err)
		}
	})

	// Then the subtest's cleanup removed what it created.
	if _, err := env.DDB.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(table)}); err == nil {
		t.Errorf("table %s still exists after the test ended", table)
	}
	for _, u := range []string{events, dlq} {
		if _, err := env.SQS.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(u)}); err == nil {
			t.Errorf("queue %s still exists after the test ended", u)
		}
	}
}

// Under CI an unreachable stack fails the test at once with a message saying
// how to start it, rather than being started (or skipped).
func TestGivenCIAndNoStack_WhenStackIsCalled_ThenTheTestFailsWithAClearMessage(t *testing.T) {
	if os.Getenv("TESTENV_HELPER") == "1" {
		Stack(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		"TESTENV_HELPER=1", "CI=true",
		"DYNAMODB_ENDPOINT=http://127.0.0.1:1", "SQS_ENDPOINT=http://127.0.0.1:1")
	out, err := cmd.CombinedOutput()

	if err == nil {
		t.Fatalf("helper passed; want it to fail:\n%s", out)
	}
	if !strings.Contains(string(out), "stack.sh start") || !strings.Contains(string(out), "not reachable") {
		t.Errorf("failure message does not say what is wrong and how to fix it:\n%s", out)
	}
}
