// Command app is the CDK app (infra/cdk.json runs it): it synthesizes the
// stack from shared/resources. Build the functions first (`make build`), so
// bin/<function>/bootstrap exists for the assets.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/customercloud/home/infra/cdk/stack"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cdk app:", err)
		jsii.Close()
		os.Exit(1)
	}
	jsii.Close()
}

func run() error {
	app := awscdk.NewApp(nil)
	name := stack.DefaultStackName
	if v, ok := app.Node().TryGetContext(jsii.String("stackName")).(string); ok && v != "" {
		name = v
	}
	wd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	root, err := stack.RepoRoot(wd)
	if err != nil {
		return err
	}
	props := &stack.Props{AssetDir: root}
	// Environment-agnostic unless the CLI knows the target account.
	if acct, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION"); acct != "" && region != "" {
		props.Env = &awscdk.Environment{Account: jsii.String(acct), Region: jsii.String(region)}
	}
	if _, err := stack.New(app, name, props); err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}
