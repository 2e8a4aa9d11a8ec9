package wiring_test

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
	sqsClient   = "github.com/aws/aws-sdk-go-v2/service/sqs"        // 0.24 MB at init: no function links it (sqscall makes the calls)
	sqsCall     = mod + "shared/awscall/sqscall"
	eventBridge = "github.com/aws/aws-sdk-go-v2/service/eventbridge" // 0.43 MB at init: no function links it (bus.EventBridgeAPI makes the one call)
	s3Client    = "github.com/aws/aws-sdk-go-v2/service/s3"
	dynamoDB    = "github.com/aws/aws-sdk-go-v2/service/dynamodb" // 0.67 MB at init: not in the webhook (accountmap makes its one read)
)

// The SDK's default configuration chain (aws/config) and what it links:
// about 0.5 MB in 3,900 allocations of package init (the STS, SSO,
// SSO-OIDC and sign-in clients' schemas and endpoint tables), for
// credentials and a region that Lambda and the local stack give in the
// environment. No function links any of it: awscfg reads the environment.
var defaultChain = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc",
	"github.com/aws/aws-sdk-go-v2/service/signin",
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds",
	"github.com/aws/aws-sdk-go-v2/internal/ini",
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds",
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds",
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds",
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds",
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds",
}

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
// other functions', the phone parsing (shared/geo), the SQS calls
// (awscall/sqscall) and the SDK's DynamoDB and S3 clients only where that
// function uses them (the webhook's one DynamoDB read is store/accountmap's),
// and neither nyaruka/phonenumbers nor the SDK's SSM, EventBridge,
// Comprehend and SQS clients nor its default configuration chain (aws/config, STS, SSO, IMDS)
// anywhere. The cold-start benchmark
// (tests/bench, BenchmarkColdStart) measures what this buys.
func TestEachFunctionLinksOnlyWhatItUses(t *testing.T) {
	// notify's domain, shared/alerts, is shared with the publishers (debit
	// and rollup check thresholds); what is its own is its builder.
	// rollup (the lister) and metrics-worker share the fan-out
	// (shared/fanout, fanoutapp): the lister's own part is its builder.
	domain := map[string]string{"home-api": "shared/home", "debit": "shared/debit", "rollup": "shared/wiring/rollupapp", "webhook": "shared/webhook",
		"notify": "shared/wiring/notifyapp", "metrics-worker": "shared/orgwork", "aggregate": "shared/aggregate", "export": "shared/wiring/exportapp"}
	builder := map[string]string{"home-api": "shared/wiring/homeapp", "debit": "shared/wiring/debitapp", "rollup": "shared/wiring/rollupapp", "webhook": "shared/wiring/webhookapp",
		"notify": "shared/wiring/notifyapp", "metrics-worker": "shared/wiring/metricsworkerapp", "aggregate": "shared/wiring/aggregateapp", "export": "shared/wiring/exportapp"}
	// The publishers link the bus: EventBridge's PutEvents in AWS (made by
	// shared/awscall, not the SDK's EventBridge client), and SQS calls for
	// its local stand-in (busapp); notify holds its queue's messages back
	// with SQS. Every SQS call is made by awscall/sqscall, not the SDK's SQS
	// client.
	uses := map[string][]string{
		// Usage exports: jobs to their queue, links into their bucket.
		"home-api": {dynamoDB, sqsCall, s3Client},
		"debit":    {dynamoDB, geoParser, sqsCall},
		"rollup":   {dynamoDB, sqsCall},
		"webhook":  {sqsCall},
		"notify":   {dynamoDB, sqsCall},
		"export":   {dynamoDB, s3Client},
		// The worker sweeps thresholds (the bus) and continues listings.
		"metrics-worker": {dynamoDB, sqsCall},
		"aggregate":      {dynamoDB},
	}
	optional := append([]string{phoneParser, geoParser, ssmClient, comprehend, sqsClient, sqsCall, eventBridge, s3Client, dynamoDB}, defaultChain...)
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
