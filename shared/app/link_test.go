package app_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/customercloud/home/"

// Packages a function links only if it needs them: each costs package init
// (and binary size) at every cold start of whatever links it.
const (
	phoneParser = "github.com/nyaruka/phonenumbers" // 8–15 ms of init: no function links it (geo parses phones itself)
	geoParser   = mod + "shared/geo"
	ssmClient   = "github.com/aws/aws-sdk-go-v2/service/ssm"        // 1.4 MB of schemas at init: no function links it (secrets.SSM makes the one call)
	comprehend  = "github.com/aws/aws-sdk-go-v2/service/comprehend" // no function links it (comprehend.API makes the one call)
	sqsClient   = "github.com/aws/aws-sdk-go-v2/service/sqs"
	eventBridge = "github.com/aws/aws-sdk-go-v2/service/eventbridge" // 0.43 MB at init: no function links it (bus.EventBridgeAPI makes the one call)
	s3Client    = "github.com/aws/aws-sdk-go-v2/service/s3"
)

// deps is what `go list -deps` says pkg links.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// TestEachFunctionLinksOnlyWhatItUses holds the structure that keeps cold
// starts lean: given each function's main package, when its link graph is
// listed, then it has its own domain package and builder and none of the
// other functions', the phone parsing (shared/geo), Comprehend and SQS
// clients only where that function uses them, and neither
// nyaruka/phonenumbers nor the SDK's SSM, EventBridge and Comprehend
// clients anywhere. The cold-start benchmark
// (internal/bench, BenchmarkColdStart) measures what this buys.
func TestEachFunctionLinksOnlyWhatItUses(t *testing.T) {
	// notify's domain, shared/alerts, is shared with the publishers (debit
	// and rollup check thresholds); what is its own is its builder.
	// rollup (the lister) and metrics-worker share the fan-out
	// (shared/fanout, fanoutapp): the lister's own part is its builder.
	domain := map[string]string{"home-api": "shared/home", "debit": "shared/debit", "rollup": "shared/app/rollupapp", "webhook": "shared/webhook",
		"notify": "shared/app/notifyapp", "metrics-worker": "shared/orgwork", "aggregate": "shared/aggregate", "export": "shared/app/exportapp"}
	builder := map[string]string{"home-api": "shared/app/homeapp", "debit": "shared/app/debitapp", "rollup": "shared/app/rollupapp", "webhook": "shared/app/webhookapp",
		"notify": "shared/app/notifyapp", "metrics-worker": "shared/app/metricsworkerapp", "aggregate": "shared/app/aggregateapp", "export": "shared/app/exportapp"}
	// The publishers link the bus: EventBridge's PutEvents in AWS (made by
	// shared/awscall, not the SDK's EventBridge client), and the SQS client
	// for its local stand-in (busapp); notify holds its queue's messages
	// back with SQS.
	uses := map[string][]string{
		// Usage exports: jobs to their queue, links into their bucket.
		"home-api": {sqsClient, s3Client},
		"debit":    {geoParser, sqsClient},
		"rollup":   {sqsClient},
		"webhook":  {sqsClient},
		"notify":   {sqsClient},
		"export":   {s3Client},
		// The worker sweeps thresholds (the bus) and continues listings.
		"metrics-worker": {sqsClient},
		"aggregate":      {},
	}
	optional := []string{phoneParser, geoParser, ssmClient, comprehend, sqsClient, eventBridge, s3Client}
	for fn, own := range uses {
		t.Run(fn, func(t *testing.T) {
			got := deps(t, mod+"functions/"+fn)
			has := func(p string) bool { return slices.Contains(got, p) }
			for other := range domain {
				want := other == fn
				if has(mod+domain[other]) != want || has(mod+builder[other]) != want {
					t.Errorf("links %s's domain or builder: %v, want %v", other, !want, want)
				}
			}
			for _, p := range own {
				if !has(p) {
					t.Errorf("does not link %s, which it uses", p)
				}
			}
			for _, p := range optional {
				if has(p) && !slices.Contains(own, p) {
					t.Errorf("links %s, which it does not use", p)
				}
			}
		})
	}
}
