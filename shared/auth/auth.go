// Package auth turns a verified token's claims into a principal: the
// organization and access profile a request acts as. In AWS the HTTP API's
// JWT authorizer verifies the token and passes its claims; locally the
// runner does the same verification with Verifier. Organization and profile
// come from nowhere else.
package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/customercloud/home/shared/contract"
	"github.com/customercloud/home/shared/resources"
)

// Profile is an access profile (docs/PRODUCT.md, "Who sees what").
type Profile string

// The profiles.
const (
	Admin         Profile = "Admin"
	Operator      Profile = "Operator"
	AdvancedAgent Profile = "AdvancedAgent"
	Viewer        Profile = "Viewer"
	Agent         Profile = "Agent"
)

// Profiles lists every profile.
var Profiles = []Profile{Admin, Operator, AdvancedAgent, Viewer, Agent}

// ParseProfile accepts a profile name ("Advanced Agent" too).
func ParseProfile(s string) (Profile, bool) {
	if s == "Advanced Agent" {
		return AdvancedAgent, true
	}
	for _, p := range Profiles {
		if string(p) == s {
			return p, true
		}
	}
	return "", false
}

// Principal is who a request acts as.
type Principal struct {
	Org     string
	Profile Profile
	Subject string
}

// Errors a request can fail with before reaching the domain.
var (
	// ErrUnauthenticated: no verified token (401).
	ErrUnauthenticated = errors.New("missing or invalid token")
	// ErrForbidden: a verified token whose profile may not do this (403).
	ErrForbidden = errors.New("profile not allowed")
)

// FromClaims builds the principal from a verified token's claims. A token
// without an organization, or whose organization is not a valid id (the
// rule of contract.ValidID, the one every key part passes), is not one of ours
// (401): this is defense in depth, before any storage call, against a claim
// such as "demo#C#3" that would address another key space. An unknown
// profile is refused (403).
func FromClaims(claims map[string]string) (Principal, error) {
	org := claims[resources.ClaimOrg]
	if org == "" {
		return Principal{}, fmt.Errorf("%w: no organization claim", ErrUnauthenticated)
	}
	if !contract.ValidID(org) {
		return Principal{}, fmt.Errorf("%w: the organization claim is not a valid id", ErrUnauthenticated)
	}
	p, ok := ParseProfile(claims[resources.ClaimProfile])
	if !ok {
		return Principal{}, fmt.Errorf("%w: unknown profile", ErrForbidden)
	}
	return Principal{Org: org, Profile: p, Subject: claims["sub"]}, nil
}

type claimsKey struct{}

// WithClaims carries verified claims in a context. Only home-api's own
// token check under sam local start-api calls it (homeapp's localTokens:
// SAM runs no JWT authorizer); in AWS and behind the local runner the
// claims arrive in the API Gateway request context.
func WithClaims(ctx context.Context, claims map[string]string) context.Context {
	return context.WithValue(ctx, claimsKey{}, claims)
}

// ClaimsFrom returns claims put by WithClaims.
func ClaimsFrom(ctx context.Context) (map[string]string, bool) {
	c, ok := ctx.Value(claimsKey{}).(map[string]string)
	return c, ok
}
