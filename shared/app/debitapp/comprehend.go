package debitapp

import (
	"context"

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
	return comprehend.New(comprehend.NewAPI(cfg)), nil
}
