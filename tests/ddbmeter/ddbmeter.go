// Package ddbmeter wraps the store's DynamoDB API to count requests and
// consumed capacity per operation (benchmarks, the Home's request budget)
// and to inject failures (throttling before a call, a lost response after a
// call that did happen, a transaction cancelled by a conflicting one, a
// process crash after N writes) for the correctness-under-failure tests.
package ddbmeter

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/customercloud/home/shared/keys"
	"github.com/customercloud/home/shared/store"
)

// ErrInjected is a failure this package made up.
var ErrInjected = errors.New("injected DynamoDB failure")

// ErrCrashed is returned for every call after a simulated crash.
var ErrCrashed = errors.New("simulated crash: the process is gone")

// Faults configures injected failures.
type Faults struct {
	// Before is the probability a call fails without reaching DynamoDB
	// (a throttle that exhausted retries, a network error).
	Before float64
	// After is the probability a write is applied but its response lost.
	After float64
	// Conflict is the probability a TransactWriteItems is cancelled because
	// another transaction held one of its items (DynamoDB's
	// TransactionConflict; DynamoDB Local serializes transactions and never
	// raises it). Nothing is applied.
	Conflict float64
	// CrashAfterWrites, when > 0, crashes the process after that many
	// successful writes: every later call fails until Reset.
	CrashAfterWrites int
	Seed             uint64
}

// Counts are requests and consumed units.
type Counts struct {
	Requests      map[string]int
	WriteUnits    float64
	ReadUnits     float64
	WriteRequests int
	// Conflicts counts injected transaction conflicts.
	Conflicts int
}

// Call is one call that DynamoDB answered, as an observer sees it.
type Call struct {
	Op string
	// Items are the keys of the items a write puts or updates, a
	// transaction's in order; nil for reads.
	Items []keys.Key
	// WriteUnits and ReadUnits are the capacity it consumed, counted as
	// in Counts.
	WriteUnits, ReadUnits float64
}

// Meter is a metering, fault-injecting store.API.
type Meter struct {
	inner   store.API
	mu      sync.Mutex
	c       Counts
	f       Faults
	rnd     *rand.Rand
	wrote   int
	dead    bool
	observe func(Call)
}

var _ store.API = (*Meter)(nil)

// New wraps inner.
func New(inner store.API) *Meter {
	return &Meter{inner: inner, c: Counts{Requests: map[string]int{}}, rnd: rand.New(rand.NewPCG(1, 2))}
}

// SetFaults replaces the fault configuration and revives a crashed process.
func (m *Meter) SetFaults(f Faults) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.f, m.wrote, m.dead = f, 0, false
	m.rnd = rand.New(rand.NewPCG(f.Seed, f.Seed+1))
}

// Observe has f called after every call DynamoDB answers (also one whose
// answer an injected failure then loses), with the items it wrote and the units it consumed, so a
// benchmark can attribute each call's cost to the messages it served. f
// replaces any earlier observer; nil removes it.
func (m *Meter) Observe(f func(Call)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.observe = f
}

// Counts returns a copy of the counters.
func (m *Meter) Counts() Counts {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.c
	c.Requests = map[string]int{}
	for k, v := range m.c.Requests {
		c.Requests[k] = v
	}
	return c
}

// Reset zeroes the counters.
func (m *Meter) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.c = Counts{Requests: map[string]int{}}
}

// Crashed reports whether a simulated crash happened.
func (m *Meter) Crashed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dead
}

func (m *Meter) before(op string, write bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dead {
		return ErrCrashed
	}
	m.c.Requests[op]++
	if write {
		m.c.WriteRequests++
	}
	if m.f.Before > 0 && m.rnd.Float64() < m.f.Before {
		return ErrInjected
	}
	return nil
}

// after counts an answered call's consumed capacity, tells the observer,
// and injects the failures that come after a call.
func (m *Meter) after(op string, items []keys.Key, cc ...types.ConsumedCapacity) error {
	write := items != nil
	call := Call{Op: op, Items: items}
	for _, c := range cc {
		if c.WriteCapacityUnits != nil {
			call.WriteUnits += *c.WriteCapacityUnits
		}
		if c.ReadCapacityUnits != nil {
			call.ReadUnits += *c.ReadCapacityUnits
		}
		if c.WriteCapacityUnits == nil && c.ReadCapacityUnits == nil && c.CapacityUnits != nil {
			if write {
				call.WriteUnits += *c.CapacityUnits
			} else {
				call.ReadUnits += *c.CapacityUnits
			}
		}
	}
	m.mu.Lock()
	m.c.WriteUnits += call.WriteUnits
	m.c.ReadUnits += call.ReadUnits
	observe := m.observe
	m.mu.Unlock()
	if observe != nil {
		observe(call)
	}
	if !write {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.wrote++
	if m.f.CrashAfterWrites > 0 && m.wrote >= m.f.CrashAfterWrites {
		m.dead = true
		return ErrCrashed
	}
	if m.f.After > 0 && m.rnd.Float64() < m.f.After {
		return ErrInjected
	}
	return nil
}

// conflict draws an injected TransactionConflict, shaped as DynamoDB
// returns it: one reason per item, the conflicting one marked.
func (m *Meter) conflict(items int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.f.Conflict == 0 || items == 0 || m.rnd.Float64() >= m.f.Conflict {
		return nil
	}
	m.c.Conflicts++
	reasons := make([]types.CancellationReason, items)
	for i := range reasons {
		reasons[i].Code = aws.String("None")
	}
	reasons[m.rnd.IntN(items)].Code = aws.String("TransactionConflict")
	return &types.TransactionCanceledException{
		Message:             aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [injected]"),
		CancellationReasons: reasons,
	}
}

func ptr(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

// KeyOf is an item's table key (its pk and sk).
func KeyOf(item map[string]types.AttributeValue) keys.Key {
	str := func(n string) string {
		if v, ok := item[n].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	return keys.Key{PK: str("pk"), SK: str("sk")}
}

// written are the keys of the items a transaction puts or updates, in order.
func written(in *dynamodb.TransactWriteItemsInput) []keys.Key {
	out := []keys.Key{}
	for _, it := range in.TransactItems {
		switch {
		case it.Update != nil:
			out = append(out, KeyOf(it.Update.Key))
		case it.Put != nil:
			out = append(out, KeyOf(it.Put.Item))
		}
	}
	return out
}

// GetItem implements store.API.
func (m *Meter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := m.before("GetItem", false); err != nil {
		return nil, err
	}
	out, err := m.inner.GetItem(ctx, in, o...)
	if err != nil {
		return nil, err
	}
	return out, m.after("GetItem", nil, ptr(out.ConsumedCapacity)...)
}

// BatchGetItem implements store.API.
func (m *Meter) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	if err := m.before("BatchGetItem", false); err != nil {
		return nil, err
	}
	out, err := m.inner.BatchGetItem(ctx, in, o...)
	if err != nil {
		return nil, err
	}
	return out, m.after("BatchGetItem", nil, out.ConsumedCapacity...)
}

// Query implements store.API.
func (m *Meter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if err := m.before("Query", false); err != nil {
		return nil, err
	}
	out, err := m.inner.Query(ctx, in, o...)
	if err != nil {
		return nil, err
	}
	return out, m.after("Query", nil, ptr(out.ConsumedCapacity)...)
}

// failedWrite counts a conditional failure's consumed capacity: DynamoDB
// charges for it, and the benchmark must see it.
func (m *Meter) failedWrite(err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		m.mu.Lock()
		m.c.WriteUnits++ // at least one unit is charged for a failed conditional write
		m.mu.Unlock()
	}
	return err
}

// PutItem implements store.API.
func (m *Meter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := m.before("PutItem", true); err != nil {
		return nil, err
	}
	out, err := m.inner.PutItem(ctx, in, o...)
	if err != nil {
		return nil, m.failedWrite(err)
	}
	return out, m.after("PutItem", []keys.Key{KeyOf(in.Item)}, ptr(out.ConsumedCapacity)...)
}

// UpdateItem implements store.API.
func (m *Meter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := m.before("UpdateItem", true); err != nil {
		return nil, err
	}
	out, err := m.inner.UpdateItem(ctx, in, o...)
	if err != nil {
		return nil, m.failedWrite(err)
	}
	return out, m.after("UpdateItem", []keys.Key{KeyOf(in.Key)}, ptr(out.ConsumedCapacity)...)
}

// TransactWriteItems implements store.API.
func (m *Meter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if err := m.before("TransactWriteItems", true); err != nil {
		return nil, err
	}
	if err := m.conflict(len(in.TransactItems)); err != nil {
		return nil, err
	}
	out, err := m.inner.TransactWriteItems(ctx, in, o...)
	if err != nil {
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) {
			m.mu.Lock()
			m.c.WriteUnits += 2 * float64(len(in.TransactItems))
			m.mu.Unlock()
		}
		return nil, err
	}
	return out, m.after("TransactWriteItems", written(in), out.ConsumedCapacity...)
}
