// Command seed loads a demo organization into the local stack: its plan, a
// contact base with Brazilian phones over many DDDs, and days of realistic
// events sent through the real queue, so the running debit handler meters
// them; a progress bar follows the queue until it is drained.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/customercloud/home/infra/cmd/seed/gen"
	"github.com/customercloud/home/infra/local"
	"github.com/customercloud/home/shared/awscall/sqscall"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/queue"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/store"
	"github.com/customercloud/home/shared/webhook"
)

func main() { os.Exit(local.Exit("seed", run())) }

func run() error {
	org := flag.String("org", "demo", "organization id")
	contacts := flag.Int("contacts", 3000, "contacts")
	days := flag.Int("days", 60, "days of history")
	intensity := flag.Float64("intensity", 0.04, "conversations per contact per day")
	wait := flag.Duration("wait", 10*time.Minute, "how long to wait for the queue to drain (0: don't wait)")
	marker := flag.String("sent-marker", "", "file to create once every event is on the queue (make run seeds once)")
	flag.Parse()
	ctx := context.Background()
	c, err := local.Open(ctx)
	if err != nil {
		return err
	}
	st, err := store.New(store.Config{DB: c.DB, Table: c.Getenv(resources.EnvTableName)})
	if err != nil {
		return err
	}
	pl := plan.Plan{Name: "Specialist", CycleStartDay: 5, IncludedInteractionz: 2000, Seats: 50,
		Packages: map[string]int{"sms": 5000, "whatsapp": 2000, "email": 10000, "rcs": 1000}, TimeZone: "America/Sao_Paulo"}
	if err := st.PutPlan(ctx, *org, pl); err != nil {
		return err
	}
	accts := webhook.StoredAccounts{Store: st}
	// The sample Meta payloads in events/ come from these accounts.
	for _, a := range []webhook.ProviderAccount{
		{Provider: webhook.WhatsApp, Account: "106540352242922", OrgID: *org},
		{Provider: webhook.Messenger, Account: "108765432109876", OrgID: *org},
		{Provider: webhook.Instagram, Account: "17841405822304914", OrgID: *org},
	} {
		if err := accts.PutProviderAccount(ctx, a); err != nil {
			return err
		}
	}
	s := gen.Generate(gen.Options{Org: *org, Contacts: *contacts, Days: *days, Now: time.Now(), Intensity: *intensity, Seed: 42})
	fmt.Printf("seed: plan %s for %q; %d contacts, %d events over %d days\n", pl.Name, *org, *contacts, len(s.Events), *days)
	url := c.Getenv(resources.EnvEventsQueueURL)
	pub, err := queue.NewSQSPublisher(queue.SQSConfig{API: sqscall.New(c.AWS, c.Getenv), QueueURL: url})
	if err != nil {
		return err
	}
	total := len(s.Events)
	for start := 0; start < total; start += 1000 {
		chunk := s.Events[start:min(start+1000, total)]
		res, err := pub.Publish(ctx, chunk)
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		for _, r := range res {
			if r.Err != nil {
				return fmt.Errorf("publish: %w", r.Err)
			}
		}
		bar("sent     ", start+len(chunk), total)
	}
	fmt.Println()
	if *marker != "" {
		if err := os.WriteFile(*marker, []byte(strconv.Itoa(total)+" events\n"), 0o644); err != nil {
			return fmt.Errorf("sent marker: %w", err)
		}
	}
	if *wait == 0 {
		return nil
	}
	deadline := time.Now().Add(*wait)
	last, lastChange := -1, time.Now()
	for time.Now().Before(deadline) {
		visible, inFlight, err := local.QueueDepth(ctx, c.SQS, url)
		if err != nil {
			return err
		}
		left := visible + inFlight
		if left != last {
			last, lastChange = left, time.Now()
		}
		bar("metered  ", total-min(left, total), total)
		if left == 0 {
			fmt.Println("\nseed: done; the Home figures follow the writes through the table's stream (the runner's aggregate feed)")
			return nil
		}
		if visible == 0 && time.Since(lastChange) > 3*time.Second {
			// A receive whose answer was lost leaves its messages in flight
			// until the visibility timeout (see README, "Why ElasticMQ").
			fmt.Printf("  %d in flight, back after the visibility timeout", inFlight)
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("the queue did not drain in %s: is the runner running?", *wait)
}

func bar(label string, done, total int) {
	const width = 40
	filled := width * done / max(total, 1)
	fmt.Printf("\r\x1b[K%s[%s%s] %6d/%d", label, strings.Repeat("#", filled), strings.Repeat(".", width-filled), done, total)
}
