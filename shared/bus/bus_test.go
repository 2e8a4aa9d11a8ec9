package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/customercloud/home/shared/alerts"
)

// putEventsStandIn speaks EventBridge's PutEvents (JSON 1.1; there is no
// local EventBridge): it checks each request is signed for "events" in the
// configured region, records the entries of each call, and answers
// FailedEntryCount from failed.
func putEventsStandIn(t *testing.T, failed func(call int) int) (EventBridgeAPI, *[][]map[string]any) {
	t.Helper()
	var calls [][]map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" ||
			r.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
			!strings.Contains(auth, "/sa-east-1/events/aws4_request") || r.Header.Get("X-Amz-Security-Token") != "tok" {
			t.Errorf("request not shaped as PutEvents: %s %v", r.Method, r.Header)
		}
		var in struct{ Entries []map[string]any }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			t.Errorf("body: %v", err)
		}
		calls = append(calls, in.Entries)
		n := failed(len(calls))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"FailedEntryCount": n, "Entries": []map[string]string{}})
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "sa-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "tok"), HTTPClient: srv.Client()}
	return NewEventBridgeAPI(cfg), &calls
}

func notifications(n int, at time.Time) []alerts.Notification {
	ns := make([]alerts.Notification, n)
	for i := range ns {
		ns[i] = alerts.Notification{NotificationID: fmt.Sprintf("n%d", i), OrganizationID: "org", ThresholdPercent: 80, CrossedAt: at}
	}
	return ns
}

func TestEventBridge_GivenTwentyFiveNotifications_WhenPublished_ThenThreeCallsOfAtMostTenEntriesShapedAsEventBridgeReadsThem(t *testing.T) {
	api, calls := putEventsStandIn(t, func(int) int { return 0 })
	at := time.Date(2026, 11, 30, 9, 0, 0, 250e6, time.UTC)
	if err := (EventBridge{API: api, BusName: "cch-notifications"}).Publish(context.Background(), notifications(25, at)); err != nil {
		t.Fatal(err)
	}
	if len(*calls) != 3 || len((*calls)[0]) != 10 || len((*calls)[1]) != 10 || len((*calls)[2]) != 5 {
		t.Fatalf("calls of %d entries", len(*calls))
	}
	e := (*calls)[2][4]
	var detail alerts.Notification
	if err := json.Unmarshal([]byte(e["Detail"].(string)), &detail); err != nil || detail.NotificationID != "n24" {
		t.Errorf("detail %v: %+v, %v", e["Detail"], detail, err)
	}
	if e["EventBusName"] != "cch-notifications" || e["Source"] != alerts.Source || e["DetailType"] != alerts.DetailTypeThresholdCrossed ||
		e["Time"] != float64(at.UnixMilli())/1000 {
		t.Errorf("entry %v", e)
	}
}

func TestEventBridge_GivenAFailedEntry_WhenPublished_ThenAnError(t *testing.T) {
	api, _ := putEventsStandIn(t, func(int) int { return 1 })
	err := (EventBridge{API: api, BusName: "b"}).Publish(context.Background(), notifications(2, time.Now()))
	if err == nil || !strings.Contains(err.Error(), "1 of 2 entries failed") {
		t.Fatalf("error %v", err)
	}
}
