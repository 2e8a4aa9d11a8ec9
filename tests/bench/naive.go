// Package bench holds the performance benchmarks `make bench` runs (the
// meter against a naive baseline, the Home's request budget and latency at
// two organization sizes, the rollup's reads against event volume) and the
// naive baseline itself. See docs/PERFORMANCE.md for a run's figures.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/consumption"
	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/ingest"
	"github.com/customercloud/home/shared/interactionz"
	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/localdate"
	"github.com/customercloud/home/shared/plan"
	"github.com/customercloud/home/shared/resources"
	"github.com/customercloud/home/shared/sentiment"
	"github.com/customercloud/home/shared/store"
)

// Naive is the baseline the meter is measured against: the design a team
// would write first with an idempotency library in the style of AWS Lambda
// Powertools, on the same table. It handles one message at a time, in
// sequence, with no batching and no in-memory state besides the
// organization's plan (read once per organization and cached, as a warm
// Lambda would), and for each event:
//
//  1. claims the event with a conditional PutItem of an idempotency record
//     (status INPROGRESS, an expiration and an in-progress expiration);
//  2. for a billable event, reads the lane's window item (GetItem,
//     strongly consistent) and decides with the same rules as the meter;
//  3. on a debit: a conditional PutItem of the window item (TTL = window
//     end), a PutItem of the ledger entry, an UpdateItem ADD of the day
//     totals and one of the cycle totals (same keys and attributes as the
//     meter, so both sides can be compared item by item);
//  4. a classified customer text in an open window: an UpdateItem of that
//     window's ledger entry (its sentiment, for the satisfaction index);
//  5. the counters the Home needs, updated per event: the contact's item
//     (registration, state from the phone's DDD), the contact's per-day
//     activity item (messages sent per channel, mass sends, interactions,
//     commercial/support attendance, tickets opened), the organization's
//     per-day counters (messages sent, mass sends, interactions, tickets
//     opened), ticket items (pending attendances, and the area a later public
//     update marks), and the organization's users, channels and integrations;
//  6. marks the idempotency record COMPLETED with the handler's response.
//
// Every call asks for ReturnConsumedCapacity TOTAL. Errors are returned, not
// retried: the benchmark fails on any.
type Naive struct {
	db    store.API
	st    *store.Store
	table string
	now   func() time.Time
	cls   sentiment.Classifier
	plans map[string]plan.Plan
}

// NewNaive returns the baseline on table, through db (normally a
// ddbmeter.Meter), with clock now and classifier cls (nil: no sentiment).
func NewNaive(db store.API, table string, now func() time.Time, cls sentiment.Classifier) (*Naive, error) {
	st, err := store.New(store.Config{DB: db, Table: table, Now: now})
	if err != nil {
		return nil, err
	}
	return &Naive{db: db, st: st, table: table, now: now, cls: cls, plans: map[string]plan.Plan{}}, nil
}

// NaiveResult is what handling one message did.
type NaiveResult struct {
	Event contract.Event
	// Duplicate: the idempotency record already existed.
	Duplicate bool
	// Outcome is the billing outcome (zero for events never billed).
	Outcome interactionz.Outcome
}

// Idempotency record statuses and lifetimes.
const (
	naiveFunction      = "debit-naive"
	statusInProgress   = "INPROGRESS"
	statusCompleted    = "COMPLETED"
	inProgressLifetime = time.Minute
)

func sv(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func nv(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func naiveKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": sv(pk), "sk": sv(sk)}
}

// naiveContact is the partition of one contact's items in the baseline.
func naiveContact(org, contact string) string { return "NAIVE#" + org + "#" + contact }

var ttlAttr = resources.Table.TTLAttribute

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// Handle processes one message body.
func (n *Naive) Handle(ctx context.Context, body []byte) (NaiveResult, error) {
	now := n.now()
	ev, err := contract.Decode(body, now)
	if err != nil {
		return NaiveResult{}, fmt.Errorf("decode: %w", err)
	}
	res := NaiveResult{Event: ev}
	idem := naiveKey("IDEMPOTENCY#"+naiveFunction+"#"+ev.DeduplicationID(), "IDEMPOTENCY")

	// 1. Claim.
	claim := naiveKey("IDEMPOTENCY#"+naiveFunction+"#"+ev.DeduplicationID(), "IDEMPOTENCY")
	claim["status"] = sv(statusInProgress)
	claim[ttlAttr] = nv(now.Add(ingest.DedupeRetention).Unix())
	claim["inProgressExpiry"] = nv(now.Add(inProgressLifetime).UnixMilli())
	_, err = n.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &n.table, Item: claim,
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #exp < :now OR (#st = :inprog AND #ipe < :nowms)"),
		ExpressionAttributeNames:  map[string]string{"#pk": "pk", "#exp": ttlAttr, "#st": "status", "#ipe": "inProgressExpiry"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": nv(now.Unix()), ":nowms": nv(now.UnixMilli()), ":inprog": sv(statusInProgress)},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	if isConditionFailed(err) {
		res.Duplicate = true
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("claim: %w", err)
	}

	pl, err := n.plan(ctx, ev.OrgID)
	if err != nil {
		return res, err
	}
	loc := pl.Location()
	date := localdate.Of(ev.Time, loc)
	label := ""
	if ev.Type == contract.MessageReceived && ev.Data.Text != "" && n.cls != nil {
		if l, err := n.cls.Classify(ctx, ev.Data.Text); err == nil {
			label = string(l)
		}
	}

	// 2-4. Billing.
	if lane, ok := interactionz.Classify(ev); ok {
		if res.Outcome, err = n.bill(ctx, ev, lane, date, pl, label, now); err != nil {
			return res, err
		}
	}

	// 5. Home counters.
	if ev.OrgScoped() {
		err = n.orgCounters(ctx, ev)
	} else {
		err = n.contactCounters(ctx, ev, date, now)
	}
	if err != nil {
		return res, err
	}

	// 6. Complete.
	resp, _ := json.Marshal(map[string]string{"eventId": ev.ID, "outcome": res.Outcome.String()})
	_, err = n.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &n.table, Key: idem,
		UpdateExpression:          aws.String("SET #st = :done, #data = :data, #exp = :exp"),
		ExpressionAttributeNames:  map[string]string{"#st": "status", "#data": "data", "#exp": ttlAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":done": sv(statusCompleted), ":data": sv(string(resp)), ":exp": nv(now.Add(ingest.DedupeRetention).Unix())},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return res, fmt.Errorf("complete: %w", err)
	}
	return res, nil
}

func (n *Naive) plan(ctx context.Context, org string) (plan.Plan, error) {
	if p, ok := n.plans[org]; ok {
		return p, nil
	}
	prof, err := n.st.GetProfile(ctx, org)
	if err != nil {
		return plan.Plan{}, err
	}
	n.plans[org] = prof.Plan
	return prof.Plan, nil
}

func (n *Naive) bill(ctx context.Context, ev contract.Event, lane interactionz.Lane, date localdate.Date, pl plan.Plan, label string, now time.Time) (interactionz.Outcome, error) {
	org, contact := ev.OrgID, ev.Data.ContactID
	wkey := naiveKey(naiveContact(org, contact), "WINDOW#"+string(lane))
	out, err := n.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &n.table, Key: wkey, ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		return 0, fmt.Errorf("get window: %w", err)
	}
	var cur *interactionz.Window
	if out.Item != nil {
		// The stored window is used whether or not its TTL has passed:
		// DynamoDB deletes expired items lazily, and a late event must still
		// be absorbed. (Once TTL has deleted it, it cannot be: see
		// docs/PERFORMANCE.md.)
		s, _ := strconv.ParseInt(out.Item["start"].(*types.AttributeValueMemberN).Value, 10, 64)
		w := interactionz.Window{Start: time.UnixMilli(s).UTC()}
		w.End = w.Start.Add(interactionz.WindowLength)
		cur = &w
	}
	outcome, win := interactionz.Decide(cur, ev.Time)
	switch outcome {
	case interactionz.Debit:
		return outcome, n.debit(ctx, ev, lane, wkey, win, date, pl, label, now)
	case interactionz.Free:
		if label == "" {
			return outcome, nil
		}
		_, err := n.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &n.table, Key: keyOf(keys.Ledger(org, cur.Start, string(lane), contact)),
			UpdateExpression:          aws.String("SET #x = :x, #ta = :ta"),
			ConditionExpression:       aws.String("attribute_exists(#pk) AND (attribute_not_exists(#ta) OR #ta <= :ta)"),
			ExpressionAttributeNames:  map[string]string{"#pk": "pk", "#x": "sentiment", "#ta": "textAt"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":x": sv(label), ":ta": nv(ev.Time.UnixMilli())},
			ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
		})
		if err != nil && !isConditionFailed(err) {
			return outcome, fmt.Errorf("window sentiment: %w", err)
		}
	}
	return outcome, nil
}

func keyOf(k keys.Key) map[string]types.AttributeValue { return naiveKey(k.PK, k.SK) }

func (n *Naive) debit(ctx context.Context, ev contract.Event, lane interactionz.Lane, wkey map[string]types.AttributeValue, win interactionz.Window, date localdate.Date, pl plan.Plan, label string, now time.Time) error {
	org, contact := ev.OrgID, ev.Data.ContactID
	w := map[string]types.AttributeValue{"start": nv(win.Start.UnixMilli()), "end": nv(win.End.UnixMilli()),
		"date": sv(date.String()), ttlAttr: nv(win.End.Unix())}
	for k, v := range wkey {
		w[k] = v
	}
	_, err := n.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &n.table, Item: w,
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #end <= :start"),
		ExpressionAttributeNames:  map[string]string{"#pk": "pk", "#end": "end"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":start": nv(win.Start.UnixMilli())},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return fmt.Errorf("put window: %w", err)
	}
	channel := ev.Data.Channel
	if channel == "" {
		channel = ingest.NoChannel
	}
	exp := nv(now.Add(consumption.BillingRetention).Unix())
	led := keyOf(keys.Ledger(org, win.Start, string(lane), contact))
	led["contactId"] = sv(contact)
	led["lane"] = sv(string(lane))
	led["channel"] = sv(channel)
	led["windowStart"] = sv(win.Start.UTC().Format(time.RFC3339Nano))
	led["windowEnd"] = sv(win.End.UTC().Format(time.RFC3339Nano))
	led["date"] = sv(date.String())
	led["eventId"] = sv(ev.ID)
	led["eventSource"] = sv(ev.Source)
	led["eventType"] = sv(string(ev.Type))
	led[ttlAttr] = exp
	if label != "" {
		led["sentiment"] = sv(label)
		led["textAt"] = nv(ev.Time.UnixMilli())
	}
	_, err = n.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &n.table, Item: led,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": "pk"},
		ReturnConsumedCapacity:   types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return fmt.Errorf("put ledger: %w", err)
	}
	for _, k := range []keys.Key{keys.DayTotals(org, date.String(), 0), keys.CycleTotals(org, pl.Cycle(date).From.String(), 0)} {
		_, err = n.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &n.table, Key: keyOf(k),
			UpdateExpression: aws.String("SET #ttl = :ttl ADD #t :one, #l :one, #c :one"),
			ExpressionAttributeNames: map[string]string{"#ttl": ttlAttr, "#t": store.TotalAttr,
				"#l": store.LanePrefix + string(lane), "#c": store.ChannelPrefix + channel},
			ExpressionAttributeValues: map[string]types.AttributeValue{":ttl": exp, ":one": nv(1)},
			ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
		})
		if err != nil {
			return fmt.Errorf("add totals: %w", err)
		}
	}
	return nil
}

// update is one UpdateItem with named attributes, built up by the counters.
type update struct {
	set, add []string
	names    map[string]string
	vals     map[string]types.AttributeValue
}

func newUpdate() *update {
	return &update{names: map[string]string{}, vals: map[string]types.AttributeValue{}}
}

func (u *update) name(a string) string {
	p := fmt.Sprintf("#n%d", len(u.names))
	u.names[p] = a
	return p
}

func (u *update) val(v types.AttributeValue) string {
	p := fmt.Sprintf(":v%d", len(u.vals))
	u.vals[p] = v
	return p
}

func (u *update) setAttr(a string, v types.AttributeValue) *update {
	u.set = append(u.set, u.name(a)+" = "+u.val(v))
	return u
}

func (u *update) addAttr(a string, v types.AttributeValue) *update {
	u.add = append(u.add, u.name(a)+" "+u.val(v))
	return u
}

func (u *update) expr() string {
	e := ""
	if len(u.set) > 0 {
		e = "SET " + strings.Join(u.set, ", ")
	}
	if len(u.add) > 0 {
		if e != "" {
			e += " "
		}
		e += "ADD " + strings.Join(u.add, ", ")
	}
	return e
}

func (n *Naive) apply(ctx context.Context, k map[string]types.AttributeValue, u *update, what string) error {
	_, err := n.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &n.table, Key: k, UpdateExpression: aws.String(u.expr()),
		ExpressionAttributeNames: u.names, ExpressionAttributeValues: u.vals,
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func markArea(u *update, area string) {
	switch area {
	case contract.AreaCommercial:
		u.setAttr("commercial", &types.AttributeValueMemberBOOL{Value: true})
	case contract.AreaSupport:
		u.setAttr("support", &types.AttributeValueMemberBOOL{Value: true})
	}
}

// dayTTL keeps per-day items as long as the Home can show them.
func dayTTL(now time.Time) types.AttributeValue {
	return nv(now.Add(time.Duration(localdate.ActivityDays+2) * 24 * time.Hour).Unix())
}

func (n *Naive) contactCounters(ctx context.Context, ev contract.Event, date localdate.Date, now time.Time) error {
	org, d := ev.OrgID, ev.Data
	pk := naiveContact(org, d.ContactID)
	one := nv(1)
	contactDay := func(u *update) error {
		u.setAttr(ttlAttr, dayTTL(now))
		return n.apply(ctx, naiveKey(pk, "DAY#"+date.String()), u, "contact day")
	}
	orgDay := func(u *update) error {
		u.setAttr(ttlAttr, dayTTL(now))
		return n.apply(ctx, naiveKey(keys.Org(org), "NAIVEDAY#"+date.String()), u, "org day")
	}
	switch ev.Type {
	case contract.ContactUpserted:
		u := newUpdate().setAttr("registered", &types.AttributeValueMemberBOOL{Value: true})
		if d.Phone != "" {
			u.setAttr("phone", sv(d.Phone))
		}
		return n.apply(ctx, naiveKey(pk, "PROFILE"), u, "contact")
	case contract.ContactDeleted:
		return n.apply(ctx, naiveKey(pk, "PROFILE"), newUpdate().setAttr("registered", &types.AttributeValueMemberBOOL{Value: false}), "contact")
	case contract.MessageSent:
		cu := newUpdate().addAttr("interactions", one).addAttr("sent_"+d.Channel, one)
		ou := newUpdate().addAttr("interactions", one).addAttr("sent", one)
		switch d.Sender {
		case contract.SenderCampaign:
			cu.addAttr("mass_"+d.Channel, one)
			ou.addAttr("mass_"+d.Channel, one)
		case contract.SenderAgent, contract.SenderBot, contract.SenderExpertAgent:
			markArea(cu, d.Area)
		}
		if err := contactDay(cu); err != nil {
			return err
		}
		return orgDay(ou)
	case contract.MessageReceived:
		cu := newUpdate().addAttr("interactions", one)
		markArea(cu, d.Area)
		if err := contactDay(cu); err != nil {
			return err
		}
		return orgDay(newUpdate().addAttr("interactions", one))
	case contract.TicketOpened:
		if d.Visibility != contract.VisibilityPublic {
			return nil
		}
		t := naiveKey(pk, "TICKET#"+d.TicketID)
		t["area"] = sv(d.Area)
		t["status"] = sv(contract.StatusNew)
		t["opened"] = sv(date.String())
		t[ttlAttr] = dayTTL(now)
		if _, err := n.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &n.table, Item: t,
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal}); err != nil {
			return fmt.Errorf("put ticket: %w", err)
		}
		opened := "openedCommercial"
		if d.Area != contract.AreaCommercial {
			opened = "openedSupport"
		}
		cu := newUpdate().addAttr("interactions", one).addAttr(opened, one)
		markArea(cu, d.Area)
		if err := contactDay(cu); err != nil {
			return err
		}
		return orgDay(newUpdate().addAttr("interactions", one).addAttr(opened, one))
	case contract.TicketUpdated, contract.TicketClosed:
		status := d.Status
		if ev.Type == contract.TicketClosed {
			status = "closed"
		}
		out, err := n.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &n.table, Key: naiveKey(pk, "TICKET#"+d.TicketID),
			UpdateExpression:          aws.String("SET #st = :st"),
			ConditionExpression:       aws.String("attribute_exists(#pk)"),
			ExpressionAttributeNames:  map[string]string{"#pk": "pk", "#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":st": sv(status)},
			ReturnValues:              types.ReturnValueAllNew,
			ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
		})
		if isConditionFailed(err) {
			return nil // an internal ticket: not an attendance
		}
		if err != nil {
			return fmt.Errorf("update ticket: %w", err)
		}
		if ev.Type == contract.TicketUpdated && d.Public != nil && *d.Public {
			area := ""
			if a, ok := out.Attributes["area"].(*types.AttributeValueMemberS); ok {
				area = a.Value
			}
			cu := newUpdate()
			markArea(cu, area)
			if len(cu.set) > 0 {
				return contactDay(cu)
			}
		}
	}
	return nil
}

func (n *Naive) orgCounters(ctx context.Context, ev contract.Event) error {
	d := ev.Data
	var expr, attr, member string
	switch ev.Type {
	case contract.UserAdded:
		expr, attr, member = "ADD", "users", d.UserID
	case contract.UserRemoved:
		expr, attr, member = "DELETE", "users", d.UserID
	case contract.ChannelEnabled:
		expr, attr, member = "ADD", "channels", d.Channel
	case contract.IntegrationConnected:
		expr, attr, member = "ADD", "integrations", d.System
	default:
		return nil
	}
	_, err := n.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &n.table, Key: naiveKey(keys.Org(ev.OrgID), "NAIVEORG"),
		UpdateExpression:          aws.String(expr + " #a :m"),
		ExpressionAttributeNames:  map[string]string{"#a": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":m": &types.AttributeValueMemberSS{Value: []string{member}}},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return fmt.Errorf("org counters: %w", err)
	}
	return nil
}
