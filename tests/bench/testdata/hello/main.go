// Command hello is the cold-start benchmark's baseline: the smallest Go
// Lambda function on aws-lambda-go, built with the same flags as the
// project's functions, so the ratio measures what the functions add.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) (string, error) { return "hello", nil })
}
