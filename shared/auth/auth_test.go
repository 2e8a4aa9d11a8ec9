package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/customercloud/home/shared/resources"
)

// TestFromClaims: given a verified token's claims, then the principal comes
// from the organization and profile claims alone; a token without an
// organization is not ours (401), an unknown profile is refused (403).
func TestFromClaims(t *testing.T) {
	cases := []struct {
		scenario string
		claims   map[string]string
		want     Principal
		err      error
	}{
		{"an Admin of acme", map[string]string{resources.ClaimOrg: "acme", resources.ClaimProfile: "Admin", "sub": "u1"},
			Principal{Org: "acme", Profile: Admin, Subject: "u1"}, nil},
		{"the profile's display name with a space", map[string]string{resources.ClaimOrg: "acme", resources.ClaimProfile: "Advanced Agent"},
			Principal{Org: "acme", Profile: AdvancedAgent}, nil},
		{"an Agent: a principal; what it may see is the handler's rule", map[string]string{resources.ClaimOrg: "acme", resources.ClaimProfile: "Agent"},
			Principal{Org: "acme", Profile: Agent}, nil},
		{"no organization claim", map[string]string{resources.ClaimProfile: "Admin"}, Principal{}, ErrUnauthenticated},
		{"an organization in a look-alike claim", map[string]string{"orgId": "acme", resources.ClaimProfile: "Admin"}, Principal{}, ErrUnauthenticated},
		{"an unknown profile", map[string]string{resources.ClaimOrg: "acme", resources.ClaimProfile: "Root"}, Principal{}, ErrForbidden},
		{"a profile in the wrong case", map[string]string{resources.ClaimOrg: "acme", resources.ClaimProfile: "admin"}, Principal{}, ErrForbidden},
		{"no profile", map[string]string{resources.ClaimOrg: "acme"}, Principal{}, ErrForbidden},
		{"an organization that addresses another key space", map[string]string{resources.ClaimOrg: "demo#C#3", resources.ClaimProfile: "Admin"}, Principal{}, ErrUnauthenticated},
		{"an organization flattened from an array", map[string]string{resources.ClaimOrg: "[acme other]", resources.ClaimProfile: "Admin"}, Principal{}, ErrUnauthenticated},
		{"an organization with a right-to-left override", map[string]string{resources.ClaimOrg: "acme\u202e", resources.ClaimProfile: "Admin"}, Principal{}, ErrUnauthenticated},
		{"an organization longer than an id", map[string]string{resources.ClaimOrg: strings.Repeat("a", 65), resources.ClaimProfile: "Admin"}, Principal{}, ErrUnauthenticated},
	}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			got, err := FromClaims(c.claims)
			if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
				t.Fatalf("FromClaims(%v) error = %v, want %v", c.claims, err, c.err)
			}
			if got != c.want {
				t.Fatalf("FromClaims(%v) = %+v, want %+v", c.claims, got, c.want)
			}
		})
	}
}
