package secrets

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// recordingSSM stands in for SSM, which has no local emulator in the stack;
// it records what Prefetch asked for so the batching and the decryption flag
// are checked. Like SSM, it lists names it does not have as invalid.
type recordingSSM struct {
	values map[string]string
	fail   error
	asked  []*GetParametersInput
}

func (r *recordingSSM) GetParameters(_ context.Context, in *GetParametersInput) (*GetParametersOutput, error) {
	r.asked = append(r.asked, in)
	if r.fail != nil {
		return nil, r.fail
	}
	out := &GetParametersOutput{}
	for _, n := range in.Names {
		name, selector := n, ""
		if i := strings.LastIndex(n, ":"); i > 0 && !strings.HasPrefix(n, "arn:") {
			name, selector = n[:i], n[i:]
		}
		if v, ok := r.values[name]; ok {
			p := Parameter{Name: name, Value: v, ARN: "arn:aws:ssm:us-east-1:1:parameter" + name, Selector: selector}
			out.Parameters = append(out.Parameters, p)
		} else {
			out.InvalidParameters = append(out.InvalidParameters, n)
		}
	}
	return out, nil
}

func TestPrefetch(t *testing.T) {
	values := map[string]string{"/cch/meta/app-secret": "s3cr3t", "/cch/meta/verify": "v3rify", "/cch/empty": ""}
	tests := []struct {
		name    string
		param   string
		want    string
		wantErr error
	}{
		{name: "given a SecureString parameter, when read, then its decrypted value is returned", param: "/cch/meta/app-secret", want: "s3cr3t"},
		{name: "given a second parameter, when read, then it came in the same call", param: "/cch/meta/verify", want: "v3rify"},
		{name: "given a missing parameter, when read, then ErrNotFound", param: "/cch/missing", wantErr: ErrNotFound},
		{name: "given an empty parameter, when read, then ErrEmpty", param: "/cch/empty", wantErr: ErrEmpty},
		{name: "given a name not prefetched, when read, then an error", param: "/cch/other", wantErr: errors.New("any")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := &recordingSSM{values: values}
			get, err := Prefetch(context.Background(), api, "/cch/meta/app-secret", "", "/cch/meta/verify", "/cch/missing", "/cch/empty", "/cch/meta/verify")
			if err != nil {
				t.Fatal(err)
			}
			if len(api.asked) != 1 || !api.asked[0].WithDecryption || len(api.asked[0].Names) != 4 {
				t.Fatalf("want one GetParameters with decryption for the 4 distinct names, got %+v", api.asked)
			}
			got, err := get(context.Background(), tc.param)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("want an error, got a value")
				}
				if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "v3rify") {
					t.Fatalf("error leaks a secret: %v", err)
				}
				if (tc.wantErr == ErrNotFound || tc.wantErr == ErrEmpty) && !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v does not wrap %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestPrefetchSelectors(t *testing.T) {
	t.Run("given a name:version selector, when read, then the value SSM answers under the bare name", func(t *testing.T) {
		get, err := Prefetch(context.Background(), &recordingSSM{values: map[string]string{"/cch/s": "v1"}}, "/cch/s:3")
		if err != nil {
			t.Fatal(err)
		}
		if v, err := get(context.Background(), "/cch/s:3"); err != nil || v != "v1" {
			t.Fatalf("got %q, %v", v, err)
		}
	})
}

func TestPrefetchBatchesByTen(t *testing.T) {
	t.Run("given 23 names, when prefetched, then 3 calls of at most 10 and every value", func(t *testing.T) {
		values := map[string]string{}
		var names []string
		for i := range 23 {
			n := "/cch/p" + strconv.Itoa(i)
			values[n], names = "v"+strconv.Itoa(i), append(names, n)
		}
		api := &recordingSSM{values: values}
		get, err := Prefetch(context.Background(), api, names...)
		if err != nil {
			t.Fatal(err)
		}
		if len(api.asked) != 3 || len(api.asked[0].Names) != 10 || len(api.asked[2].Names) != 3 {
			t.Fatalf("got %d calls: %+v", len(api.asked), api.asked)
		}
		for _, n := range names {
			if v, err := get(context.Background(), n); err != nil || v != values[n] {
				t.Fatalf("%s: got %q, %v", n, v, err)
			}
		}
	})
}

func TestPrefetchFailures(t *testing.T) {
	t.Run("given no client, when prefetching, then an error", func(t *testing.T) {
		if _, err := Prefetch(context.Background(), nil, "/a"); err == nil {
			t.Fatal("want an error")
		}
	})
	t.Run("given SSM refuses, when prefetching, then its error is wrapped", func(t *testing.T) {
		denied := &SSMError{Status: 500, Code: "InternalServerError", Message: "boom"}
		_, err := Prefetch(context.Background(), &recordingSSM{fail: denied}, "/a")
		var ise *SSMError
		if !errors.As(err, &ise) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("given no names, when prefetching, then no call", func(t *testing.T) {
		api := &recordingSSM{}
		if _, err := Prefetch(context.Background(), api, "", ""); err != nil || len(api.asked) != 0 {
			t.Fatalf("got %v, %d calls", err, len(api.asked))
		}
	})
}

func TestStatic(t *testing.T) {
	get := Static(map[string]string{"a": "1", "e": ""})
	tests := []struct {
		name    string
		param   string
		want    string
		wantErr bool
	}{
		{name: "given a known name, when read, then its value", param: "a", want: "1"},
		{name: "given an unknown name, when read, then an error", param: "b", wantErr: true},
		{name: "given an empty value, when read, then ErrEmpty", param: "e", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := get(context.Background(), tc.param)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}
