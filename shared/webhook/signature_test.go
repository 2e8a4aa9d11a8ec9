package webhook

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

var (
	keyA = Secret("producer-secret-org-acme-0123456789")
	keyB = Secret("producer-secret-org-acme-rotated-xyz")
)

func TestVerifyProducer(t *testing.T) {
	now := time.Date(2025, 6, 8, 21, 0, 0, 0, time.UTC)
	body := []byte(`{"specversion":"1.0"}`)
	ts := now.Unix()
	good := producerHeaders{id: "msg_1", timestamp: strconv.FormatInt(ts, 10), signature: SignProducer(keyA, "msg_1", ts, body), org: "org-acme"}
	with := func(f func(*producerHeaders)) producerHeaders { h := good; f(&h); return h }
	tests := []struct {
		name string
		h    producerHeaders
		body []byte
		keys []Secret
		want error
	}{
		{name: "given a signature by the org's key, when verified, then it passes", h: good, body: body, keys: []Secret{keyA}},
		{name: "given two keys during a rotation, when the old one signed, then it passes", h: good, body: body, keys: []Secret{keyB, keyA}},
		{name: "given several signatures in the header, when one matches, then it passes",
			h: with(func(h *producerHeaders) { h.signature = "v1,AAAA v1a,xyz " + h.signature }), body: body, keys: []Secret{keyA}},
		{name: "given a body changed after signing, when verified, then ErrBadSignature", h: good, body: []byte(`{"specversion":"1.1"}`), keys: []Secret{keyA}, want: ErrBadSignature},
		{name: "given another key, when verified, then ErrBadSignature", h: good, body: body, keys: []Secret{keyB}, want: ErrBadSignature},
		{name: "given a signature with another id, when verified, then ErrBadSignature",
			h: with(func(h *producerHeaders) { h.id = "msg_2" }), body: body, keys: []Secret{keyA}, want: ErrBadSignature},
		{name: "given a v1a (asymmetric) signature only, when verified, then ErrBadSignature",
			h: with(func(h *producerHeaders) { h.signature = "v1a," + h.signature[3:] }), body: body, keys: []Secret{keyA}, want: ErrBadSignature},
		{name: "given a timestamp 6 minutes old, when verified, then ErrStale",
			h: signedAt(ts-360, body), body: body, keys: []Secret{keyA}, want: ErrStale},
		{name: "given a timestamp 6 minutes ahead, when verified, then ErrStale",
			h: signedAt(ts+360, body), body: body, keys: []Secret{keyA}, want: ErrStale},
		{name: "given a timestamp 4 minutes old, when verified, then it passes",
			h: signedAt(ts-240, body), body: body, keys: []Secret{keyA}},
		{name: "given a timestamp in milliseconds, when verified, then ErrStale",
			h: signedAt(ts*1000, body), body: body, keys: []Secret{keyA}, want: ErrStale},
		{name: "given a non-numeric timestamp, when verified, then ErrBadTimestamp",
			h: with(func(h *producerHeaders) { h.timestamp = "2025-06-08T21:00:00Z" }), body: body, keys: []Secret{keyA}, want: ErrBadTimestamp},
		{name: "given no webhook-id, when verified, then ErrMissingHeaders",
			h: with(func(h *producerHeaders) { h.id = "" }), body: body, keys: []Secret{keyA}, want: ErrMissingHeaders},
		{name: "given no org, when verified, then ErrMissingHeaders",
			h: with(func(h *producerHeaders) { h.org = "" }), body: body, keys: []Secret{keyA}, want: ErrMissingHeaders},
		{name: "given an org without secrets, when verified, then ErrUnknownOrg", h: good, body: body, want: ErrUnknownOrg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := verifyProducer(tc.h, tc.body, tc.keys, now, DefaultReplayWindow)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func signedAt(ts int64, body []byte) producerHeaders {
	return producerHeaders{id: "msg_1", timestamp: strconv.FormatInt(ts, 10), signature: SignProducer(keyA, "msg_1", ts, body), org: "org-acme"}
}

func TestVerifyMeta(t *testing.T) {
	secret := Secret("0123456789abcdef0123456789abcdef")
	body := []byte(`{"object":"page","entry":[]}`)
	good := SignMeta(secret, body)
	tests := []struct {
		name    string
		header  string
		body    []byte
		wantErr bool
	}{
		{name: "given Meta's signature of the raw body, when verified, then it passes", header: good, body: body},
		{name: "given the same JSON re-serialized with spaces, when verified, then it fails (the raw bytes are signed)", header: good, body: []byte(`{"object": "page", "entry": []}`), wantErr: true},
		{name: "given the SHA-1 header format, when verified, then it fails", header: "sha1=" + good[7:], body: body, wantErr: true},
		{name: "given a truncated signature, when verified, then it fails", header: good[:len(good)-2], body: body, wantErr: true},
		{name: "given a non-hex signature, when verified, then it fails", header: "sha256=zz" + good[9:], body: body, wantErr: true},
		{name: "given no header, when verified, then it fails", header: "", body: body, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := verifyMeta(tc.header, tc.body, secret); (err != nil) != tc.wantErr {
				t.Fatalf("got %v", err)
			}
		})
	}
}
