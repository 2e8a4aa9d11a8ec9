package debitapp

import (
	"context"

	awscomprehend "github.com/aws/aws-sdk-go-v2/service/comprehend"

	"github.com/customercloud/home/shared/app"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/sentiment/comprehend"
)

func comprehendClassifier(ctx context.Context, getenv app.Getenv) (sentiment.Classifier, error) {
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return nil, err
	}
	return comprehend.New(awscomprehend.NewFromConfig(cfg)), nil
}
