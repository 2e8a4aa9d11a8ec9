package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Producer authentication headers (Standard Webhooks, plus the organization).
const (
	HeaderWebhookID        = "Webhook-Id"
	HeaderWebhookTimestamp = "Webhook-Timestamp"
	HeaderWebhookSignature = "Webhook-Signature"
	// HeaderWebhookOrg names the organization whose secret signed the
	// request; Standard Webhooks has one secret per endpoint, we have one per
	// organization on a shared endpoint, so the sender says which.
	HeaderWebhookOrg = "Webhook-Org"
	// HeaderHubSignature256 carries Meta's HMAC-SHA256 of the raw body.
	HeaderHubSignature256 = "X-Hub-Signature-256"
)

// maxWebhookIDLen bounds webhook-id (it is kept in the replay cache).
const maxWebhookIDLen = 256

// Reasons a request fails authentication. They are safe to return to the
// caller: none carries key material.
var (
	ErrMissingHeaders = errors.New("missing webhook-id, webhook-timestamp, webhook-signature or webhook-org")
	ErrBadTimestamp   = errors.New("webhook-timestamp is not a Unix time in seconds")
	ErrStale          = errors.New("webhook-timestamp is outside the accepted window")
	ErrBadSignature   = errors.New("no signature matches")
	ErrUnknownOrg     = errors.New("no secret for the organization")
)

// SignProducer returns the webhook-signature header value for a request:
// "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)). It is
// exported for producers written in Go, the local seeding tool and tests.
func SignProducer(key Secret, id string, timestamp int64, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(producerMAC(key, id, strconv.FormatInt(timestamp, 10), body))
}

func producerMAC(key Secret, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// producerHeaders are the parsed authentication headers of a request.
type producerHeaders struct {
	id, timestamp, signature, org string
}

// verifyProducer checks a Standard Webhooks signature: the timestamp within
// window of now (either way), and one of the space-separated "v1,<base64>"
// signatures equal, in constant time, to the HMAC under one of keys.
func verifyProducer(h producerHeaders, body []byte, keys []Secret, now time.Time, window time.Duration) error {
	if h.id == "" || h.timestamp == "" || h.signature == "" || h.org == "" || len(h.id) > maxWebhookIDLen {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(h.timestamp, 10, 64)
	if err != nil || ts <= 0 {
		return ErrBadTimestamp
	}
	at := time.Unix(ts, 0)
	if at.Before(now.Add(-window)) || at.After(now.Add(window)) {
		return ErrStale
	}
	if len(keys) == 0 {
		return ErrUnknownOrg
	}
	sigs := parseSignatures(h.signature)
	for _, k := range keys {
		want := producerMAC(k, h.id, h.timestamp, body)
		for _, s := range sigs {
			if hmac.Equal(s, want) {
				return nil
			}
		}
	}
	return ErrBadSignature
}

// parseSignatures returns the decoded v1 signatures of a webhook-signature
// header; other versions and undecodable entries are ignored.
func parseSignatures(header string) [][]byte {
	var out [][]byte
	for _, part := range strings.Fields(header) {
		ver, sig, ok := strings.Cut(part, ",")
		if !ok || ver != "v1" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(sig)
		if err != nil || len(b) != sha256.Size {
			continue
		}
		out = append(out, b)
		if len(out) == 8 {
			break // bound the work an attacker can ask for
		}
	}
	return out
}

// SignMeta returns the X-Hub-Signature-256 value Meta sends:
// "sha256=" + hex(HMAC-SHA256(appSecret, body)). Exported for tests and
// local tooling that replays captured payloads.
func SignMeta(appSecret Secret, body []byte) string {
	m := hmac.New(sha256.New, appSecret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// verifyMeta checks X-Hub-Signature-256 over the raw body in constant time.
func verifyMeta(header string, body []byte, appSecret Secret) error {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	m := hmac.New(sha256.New, appSecret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrBadSignature
	}
	return nil
}
