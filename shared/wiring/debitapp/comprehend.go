package debitapp

import (
	"context"

	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/sentiment/comprehend"
	"github.com/customercloud/home/shared/wiring"
)

func comprehendClassifier(ctx context.Context, getenv wiring.Getenv) (sentiment.Classifier, error) {
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return nil, err
	}
	return comprehend.New(comprehend.NewAPI(cfg)), nil
}
