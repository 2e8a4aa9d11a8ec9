package home

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/localdate"
)

// TestLongestQueryIsTheBillingRetention: given the longest consumption
// range and how long the store keeps billing records, when compared, then
// they are the same span, and the answer to a range one day longer names
// that span.
func TestLongestQueryIsTheBillingRetention(t *testing.T) {
	if consumption.BillingRetention != MaxConsumptionDays*24*time.Hour {
		t.Fatalf("billing records are kept %v, the longest query is %d days", consumption.BillingRetention, MaxConsumptionDays)
	}
	from := localdate.FromCivil(2026, 1, 1)
	longest := ConsumptionQuery{From: from, To: from.AddDays(MaxConsumptionDays - 1), Limit: 100}
	if fs := longest.Validate(); len(fs) != 0 {
		t.Fatalf("the longest range is refused: %v", fs)
	}
	tooLong := longest
	tooLong.To = tooLong.To.AddDays(1)
	fs := tooLong.Validate()
	if len(fs) != 1 || fs[0].Field != "to" || !strings.Contains(fs[0].Reason, strconv.Itoa(MaxConsumptionDays)+" days") {
		t.Fatalf("a range a day too long: %v", fs)
	}
}
