package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customercloud/home/shared/config"
	"github.com/customercloud/home/shared/resources"
)

// Verifier checks bearer tokens the way API Gateway's JWT authorizer does:
// RS256 signature by a known key id, issuer, audience, expiry and not-before.
// The local runner uses it so local and AWS requests take the same path.
type Verifier struct {
	issuer   string
	audience string
	keys     map[string]*rsa.PublicKey
	now      func() time.Time
}

// VerifierConfig is what a Verifier trusts; NewVerifier validates it.
type VerifierConfig struct {
	Issuer   string
	Audience string
	// Keys are the trusted RS256 public keys by key id.
	Keys map[string]*rsa.PublicKey
	// Now is the verification time; nil is time.Now (tests set it).
	Now func() time.Time
}

// Validate says what is missing: a verifier with no issuer, audience or
// key would refuse every token.
func (c VerifierConfig) Validate() error {
	return config.Check("auth", config.Required("Issuer", c.Issuer != ""), config.Required("Audience", c.Audience != ""),
		config.Required("Keys", len(c.Keys) > 0))
}

// NewVerifier trusts the configured keys by key id.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Verifier{issuer: cfg.Issuer, audience: cfg.Audience, keys: cfg.Keys, now: config.Clock(cfg.Now)}, nil
}

// Verify returns the token's claims flattened to strings, as API Gateway
// passes them to a Lambda, or ErrUnauthenticated. The organization and
// profile claims are kept only when they are strings: an array or number
// there is dropped, so FromClaims refuses the token (401 or 403).
func (v *Verifier) Verify(token string) (map[string]string, error) {
	parsed, err := jwt.Parse(token, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, ok := v.keys[kid]
		if !ok {
			return nil, errors.New("unknown key id")
		}
		return k, nil
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(v.issuer),
		jwt.WithAudience(v.audience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(v.now),
		jwt.WithLeeway(30*time.Second),
	)
	if err != nil || !parsed.Valid {
		return nil, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	mc, ok := parsed.Claims.(jwt.MapClaims)
	if !ok {
		return nil, ErrUnauthenticated
	}
	out := make(map[string]string, len(mc))
	for k, val := range mc {
		if _, ok := val.(string); !ok && (k == resources.ClaimOrg || k == resources.ClaimProfile) {
			// The identity claims are strings; an array or a number is
			// not flattened into one (FromClaims then refuses the token).
			continue
		}
		switch x := val.(type) {
		case string:
			out[k] = x
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out, nil
}

// LocalIssuer and LocalAudience are the local stack's token issuer and
// audience (in AWS: the Cognito user pool and app client).
const (
	LocalIssuer   = "https://auth.local.customercloud.test"
	LocalAudience = "customer-cloud-home"
)

// LocalKey is the local stack's signing key, created on first use under dir
// (an ignored folder). It never leaves the developer's machine.
type LocalKey struct {
	Key *rsa.PrivateKey
	KID string
}

// LoadOrCreateLocalKey reads dir/jwt-key.pem or creates it.
func LoadOrCreateLocalKey(dir string) (*LocalKey, error) {
	path := filepath.Join(dir, "jwt-key.pem")
	if raw, err := os.ReadFile(path); err == nil {
		block, _ := pem.Decode(raw)
		if block == nil {
			return nil, fmt.Errorf("%s: not PEM", path)
		}
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return &LocalKey{Key: k, KID: kid(&k.PublicKey)}, nil
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key dir: %w", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pemBytes, 0o600); err != nil {
		return nil, fmt.Errorf("write key: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("write key: %w", err)
	}
	return &LocalKey{Key: k, KID: kid(&k.PublicKey)}, nil
}

func kid(pub *rsa.PublicKey) string {
	h := sha256.Sum256(pub.N.Bytes())
	return base64.RawURLEncoding.EncodeToString(h[:8])
}

// Verifier trusts this key with the local issuer and audience.
func (k *LocalKey) Verifier() *Verifier {
	return &Verifier{issuer: LocalIssuer, audience: LocalAudience, keys: map[string]*rsa.PublicKey{k.KID: &k.Key.PublicKey}, now: time.Now}
}

// TokenRequest is what a local token says.
type TokenRequest struct {
	Org     string
	Profile string
	Subject string
	TTL     time.Duration
}

// Validate checks the request.
func (r TokenRequest) Validate() error {
	if r.Org == "" {
		return errors.New("org: required")
	}
	if _, ok := ParseProfile(r.Profile); !ok && r.Profile != "" {
		// Unknown profiles are allowed on purpose: the API must refuse them.
		return nil
	}
	return nil
}

// Mint signs a token for the local stack.
func (k *LocalKey) Mint(r TokenRequest, now time.Time) (string, error) {
	if err := r.Validate(); err != nil {
		return "", err
	}
	if r.TTL == 0 {
		r.TTL = 12 * time.Hour
	}
	if r.Subject == "" {
		r.Subject = "local-" + r.Profile
	}
	claims := jwt.MapClaims{
		"iss": LocalIssuer, "aud": LocalAudience, "sub": r.Subject,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(r.TTL).Unix(),
		resources.ClaimOrg: r.Org, resources.ClaimProfile: r.Profile,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = k.KID
	s, err := t.SignedString(k.Key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// JWKS is the public key set, as an OIDC issuer publishes it.
func (k *LocalKey) JWKS() ([]byte, error) {
	pub := k.Key.PublicKey
	e := big.NewInt(int64(pub.E)).Bytes()
	doc := map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.KID,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(e),
	}}}
	return json.Marshal(doc)
}

// ParseJWKS reads an RSA public key set (JWKS JSON, as JWKS writes it) into
// keys by key id. Keys that are not RSA signing keys are refused.
func ParseJWKS(raw []byte) (map[string]*rsa.PublicKey, error) {
	var doc struct {
		Keys []struct {
			Kty, Use, Kid, N, E string
		} `json:"keys"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	if len(doc.Keys) == 0 {
		return nil, errors.New("jwks: no keys")
	}
	out := make(map[string]*rsa.PublicKey, len(doc.Keys))
	for i, k := range doc.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") || k.Kid == "" {
			return nil, fmt.Errorf("jwks: keys[%d]: want an RSA signing key with a kid", i)
		}
		n, err := base64.RawURLEncoding.DecodeString(k.N)
		if err != nil {
			return nil, fmt.Errorf("jwks: keys[%d].n: %w", i, err)
		}
		e, err := base64.RawURLEncoding.DecodeString(k.E)
		if err != nil {
			return nil, fmt.Errorf("jwks: keys[%d].e: %w", i, err)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 2048 || pub.E < 3 {
			return nil, fmt.Errorf("jwks: keys[%d]: weak RSA key", i)
		}
		out[k.Kid] = pub
	}
	return out, nil
}
