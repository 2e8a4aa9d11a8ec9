package webhook

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/customercloud/home/shared/contract"
)

// AccountResolver maps a channel provider's account (a WhatsApp phone number
// id, a Facebook page id, an Instagram account id) to the organization that
// connected it. ok is false for an account no organization owns; err is for
// a lookup that could not be made (the caller answers 503 so Meta retries).
type AccountResolver interface {
	OrgFor(ctx context.Context, provider Provider, account string) (org string, ok bool, err error)
}

// AccountStore is where the account map is kept (store.Store: items at
// keys.ProviderAccount in the main table).
type AccountStore interface {
	ProviderAccountOrg(ctx context.Context, provider, account string) (org string, ok bool, err error)
	PutProviderAccount(ctx context.Context, provider, account, org string) error
}

// StoredAccounts is the account map as an AccountResolver.
type StoredAccounts struct {
	Store AccountStore
}

var _ AccountResolver = StoredAccounts{}

// OrgFor looks the account up; an empty account is nobody's, without a read.
func (a StoredAccounts) OrgFor(ctx context.Context, provider Provider, account string) (string, bool, error) {
	if account == "" {
		return "", false, nil
	}
	org, ok, err := a.Store.ProviderAccountOrg(ctx, string(provider), account)
	if err != nil {
		return "", false, fmt.Errorf("webhook: %w", err)
	}
	return org, ok, nil
}

// ProviderAccount is one entry of the account map.
type ProviderAccount struct {
	Provider Provider
	Account  string
	OrgID    string
}

// Validate checks the entry before it is written.
func (p ProviderAccount) Validate() error {
	var errs []error
	if !p.Provider.Valid() {
		errs = append(errs, fmt.Errorf("provider %q is not one of %v", p.Provider, Providers))
	}
	if p.Account == "" || len(p.Account) > 128 {
		errs = append(errs, errors.New("account must be 1-128 characters"))
	}
	if !contract.ValidID(p.OrgID) {
		errs = append(errs, fmt.Errorf("organization id %q is not valid", p.OrgID))
	}
	if len(errs) > 0 {
		return fmt.Errorf("webhook: invalid provider account: %w", errors.Join(errs...))
	}
	return nil
}

// PutProviderAccount connects a provider account to an organization (the
// seeding tool and tests; in production the channel-connection flow writes
// the same item), after validating the entry.
func (a StoredAccounts) PutProviderAccount(ctx context.Context, p ProviderAccount) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := a.Store.PutProviderAccount(ctx, string(p.Provider), p.Account, p.OrgID); err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	return nil
}

// CachedAccounts remembers an AccountResolver's answers for a while, so a
// warm Lambda does not read the table for every delivery of a busy number.
// Unknown accounts are remembered for a shorter time, so a newly connected
// account starts flowing quickly. Errors are never cached.
type CachedAccounts struct {
	Next        AccountResolver
	TTL         time.Duration // default 5 minutes
	NegativeTTL time.Duration // default 30 seconds
	MaxEntries  int           // default 10000; the cache is cleared when full
	Now         func() time.Time

	mu      sync.Mutex
	entries map[string]cachedOrg
}

type cachedOrg struct {
	org     string
	ok      bool
	expires time.Time
}

// OrgFor answers from the cache or asks Next.
func (c *CachedAccounts) OrgFor(ctx context.Context, provider Provider, account string) (string, bool, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	key := string(provider) + "\x00" + account
	c.mu.Lock()
	if e, hit := c.entries[key]; hit && now().Before(e.expires) {
		c.mu.Unlock()
		return e.org, e.ok, nil
	}
	c.mu.Unlock()
	org, ok, err := c.Next.OrgFor(ctx, provider, account)
	if err != nil {
		return "", false, err
	}
	ttl, negTTL, maxEntries := c.TTL, c.NegativeTTL, c.MaxEntries
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	if negTTL <= 0 {
		negTTL = 30 * time.Second
	}
	if maxEntries <= 0 {
		maxEntries = 10000
	}
	if !ok {
		ttl = negTTL
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxEntries {
		c.entries = map[string]cachedOrg{}
	}
	c.entries[key] = cachedOrg{org: org, ok: ok, expires: now().Add(ttl)}
	c.mu.Unlock()
	return org, ok, nil
}
