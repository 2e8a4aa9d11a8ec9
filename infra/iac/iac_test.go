package iac

import (
	"strings"
	"testing"

	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/tests/testkit"
)

func TestRenderShortAndLongFormsAlike(t *testing.T) {
	yamlSrc := `
Resources:
  R:
    Type: T
    Properties:
      A: !Ref X
      B: !GetAtt Y.Arn
      C: !Sub "${Y.Arn}/index/gsi1"
      D: !If [IsDev, false, true]
      E: !Not [!Equals [!Ref P, ""]]
      F: !Sub ["${a}-x", {a: !Ref Z}]
      G: 60
`
	jsonSrc := `{"Resources":{"R":{"Type":"T","Properties":{
      "A":{"Ref":"X"},
      "B":{"Fn::GetAtt":["Y","Arn"]},
      "C":{"Fn::Join":["",[{"Fn::GetAtt":["Y","Arn"]},"/index/gsi1"]]},
      "D":{"Fn::If":["IsDev",false,true]},
      "E":{"Fn::Not":[{"Fn::Equals":[{"Ref":"P"},""]}]},
      "F":{"Fn::Join":["-",[{"Ref":"Z"},"x"]]},
      "G":"60"}}}}`
	want := map[string]string{
		"A": "${X}", "B": "${Y.Arn}", "C": "${Y.Arn}/index/gsi1", "D": "If(IsDev,false,true)",
		"E": "Not(Equals(${P},))", "F": "${Z}-x", "G": "60",
	}
	for name, src := range map[string]string{"yaml": yamlSrc, "json": jsonSrc} {
		tpl, err := ParseTemplate([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k, w := range want {
			if got := Render(tpl.Resources["R"].Properties[k]); got != w {
				t.Errorf("%s %s = %q, want %q", name, k, got, w)
			}
		}
	}
}

func TestParseTemplateErrors(t *testing.T) {
	for _, src := range []string{"", "- a\n- b\n", "A: !GetAtt NoAttr\n", "a: [b\n"} {
		if _, err := ParseTemplate([]byte(src)); err == nil {
			t.Errorf("ParseTemplate(%q) succeeded", src)
		}
	}
}

func TestLogicalIDs(t *testing.T) {
	cases := map[string]string{
		TableID(resources.Table):             "MainTable",
		QueueID(resources.EventsQueue):       "EventsQueue",
		QueueID(resources.EventsDLQ):         "EventsDlqQueue",
		QueueID(resources.WebhooksQueue):     "WebhooksQueue",
		QueueID(resources.WebhooksDLQ):       "WebhooksDlqQueue",
		QueueID(resources.ExportsQueue):      "ExportsQueue",
		QueueID(resources.ExportsDLQ):        "ExportsDlqQueue",
		FunctionID(resources.Export):         "ExportFunction",
		FunctionID(resources.HomeAPI):        "HomeApiFunction",
		RoleID(resources.Debit):              "DebitFunctionRole",
		LogGroupID(resources.Rollup):         "RollupLogGroup",
		ParamForEnv("META_APP_SECRET_PARAM"): "MetaAppSecretParam",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if dl := DeadLetterQueues(); len(dl) != 4 || dl[0].Name != resources.EventsDLQ.Name || dl[1].Name != resources.WebhooksDLQ.Name ||
		dl[2].Name != resources.ExportsDLQ.Name || dl[3].Name != resources.MetricsWorkDLQ.Name {
		t.Errorf("dead-letter queues %v", dl)
	}
}

func TestEnvironmentBindsEveryVariable(t *testing.T) {
	for _, f := range resources.Functions {
		if _, err := Environment(f); err != nil {
			t.Error(err)
		}
	}
	if _, err := EnvValue(resources.EnvDynamoDBEndpoint); err == nil {
		t.Error("a local-only variable got an AWS binding")
	}
}

func TestStatementsFollowFlags(t *testing.T) {
	for _, f := range resources.Functions {
		if _, err := Statements(f); err != nil {
			t.Error(err)
		}
	}
	bad := map[string]resources.FunctionDef{
		"writes without TableWrite": func() resources.FunctionDef { f := resources.HomeAPI; f.TableWrite = false; return f }(),
		"reads without TableRead":   func() resources.FunctionDef { f := resources.Webhook; f.TableRead = false; return f }(),
		"unknown function":          {Name: "nobody", TableRead: true},
		"flag without actions":      func() resources.FunctionDef { f := resources.Webhook; f.TableWrite = true; return f }(),
		"unknown queue":             func() resources.FunctionDef { f := resources.Webhook; f.SendsTo = []string{"nope"}; return f }(),
		"unknown consumed queue":    func() resources.FunctionDef { f := resources.Debit; f.Queue = "nope"; return f }(),
		"stream without source":     func() resources.FunctionDef { f := resources.Aggregate; f.Stream = nil; return f }(),
		"on-failure not sendable":   func() resources.FunctionDef { f := resources.Aggregate; f.SendsTo = nil; return f }(),
	}
	for name, f := range bad {
		if _, err := Statements(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	sts, _ := Statements(resources.Rollup)
	var table Statement
	for _, s := range sts {
		if s.Sid == "Table" {
			table = s
		}
	}
	if strings.Join(table.Resources, " ") != "${MainTable.Arn} ${MainTable.Arn}/index/gsi1" {
		t.Errorf("rollup table resources %v", table.Resources)
	}
}

// TestStreamFunctionLeastPrivilege: the stream function reads the table's
// stream by its ARN only, and touches the table with GetItem and
// UpdateItem only.
func TestStreamFunctionLeastPrivilege(t *testing.T) {
	sts, err := Statements(resources.Aggregate)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range sts {
		got[s.Sid] = StatementString(s.Sid, s.Actions, s.Resources)
	}
	want := map[string]string{
		"ReadTableStream":         "ReadTableStream: dynamodb:DescribeStream dynamodb:GetRecords dynamodb:GetShardIterator dynamodb:ListStreams on ${MainTable.StreamArn}",
		"Table":                   "Table: dynamodb:GetItem dynamodb:UpdateItem on ${MainTable.Arn}",
		"SendToAggregateFailures": "SendToAggregateFailures: sqs:SendMessage on ${AggregateFailuresQueue.Arn}",
		"Logs":                    "Logs: logs:CreateLogStream logs:PutLogEvents on ${AggregateLogGroup.Arn}",
	}
	testkit.EqualMap(t, "statements", got, want)
}

func TestDiffReadable(t *testing.T) {
	a, err := Expected()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Expected()
	if d, _ := Diff(a, b); len(d) != 0 {
		t.Fatalf("identical models differ: %v", d)
	}
	q := b.Queues["EventsQueue"]
	q.MaxReceiveCount = "3"
	b.Queues["EventsQueue"] = q
	delete(b.Routes, "PUT /v1/plan")
	b.Other["X"] = "AWS::S3::Bucket"
	d, _ := Diff(a, b)
	want := []string{
		`Other.X: unexpected "AWS::S3::Bucket"`,
		`Queues.EventsQueue.MaxReceiveCount: want "1000", got "3"`,
		`Routes.PUT /v1/plan.Function: want "HomeApiFunction", missing`,
	}
	for _, w := range want {
		found := false
		for _, l := range d {
			found = found || l == w
		}
		if !found {
			t.Errorf("diff lacks %q:\n%s", w, strings.Join(d, "\n"))
		}
	}
}
