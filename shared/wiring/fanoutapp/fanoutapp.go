// Package fanoutapp builds the metrics fan-out's lister for the two
// functions that list (rollup starts each run, metrics-worker continues
// it); it is apart from shared/wiring so that the other functions do not link
// the SQS client for it.
package fanoutapp

import (
	"context"
	"time"

	"github.com/customercloud/home/shared/awscall/sqscall"
	"github.com/customercloud/home/shared/awscfg"
	"github.com/customercloud/home/shared/fanout"
	"github.com/customercloud/home/shared/fanout/sqsfanout"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/wiring"
)

// NewLister is the lister over index (the table's) and the work queue
// (METRICS_WORK_QUEUE_URL), with the rotation of the deployed schedule;
// the metrics worker continues listings with the same one.
func NewLister(ctx context.Context, getenv wiring.Getenv, index fanout.Index) (fanout.Lister, time.Duration, error) {
	url, err := wiring.Need(getenv, resources.EnvMetricsWorkQueueURL)
	if err != nil {
		return fanout.Lister{}, 0, err
	}
	cfg, err := awscfg.LoadWith(ctx, getenv)
	if err != nil {
		return fanout.Lister{}, 0, err
	}
	period, err := fanout.RatePeriod(resources.Rollup.Schedule)
	if err != nil {
		return fanout.Lister{}, 0, err
	}
	return fanout.Lister{
		Index:    index,
		Sender:   &sqsfanout.Sender{API: sqscall.New(cfg, getenv), QueueURL: url},
		Rotation: fanout.Rotation{Period: period},
	}, period, nil
}
