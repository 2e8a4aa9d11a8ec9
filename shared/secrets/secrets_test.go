package secrets

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// recordingSSM stands in for SSM, which has no local emulator in the stack;
// it records what the getter asked for so the decryption flag is checked.
type recordingSSM struct {
	values map[string]string
	asked  []*ssm.GetParameterInput
}

func (r *recordingSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	r.asked = append(r.asked, in)
	v, ok := r.values[aws.ToString(in.Name)]
	if !ok {
		return nil, &types.ParameterNotFound{Message: aws.String("not found")}
	}
	return &ssm.GetParameterOutput{Parameter: &types.Parameter{Name: in.Name, Value: aws.String(v)}}, nil
}

func TestFromSSM(t *testing.T) {
	tests := []struct {
		name      string
		param     string
		want      string
		wantErr   bool
		errTarget any
	}{
		{name: "given a SecureString parameter, when read, then its decrypted value is returned", param: "/cch/meta/app-secret", want: "s3cr3t"},
		{name: "given a missing parameter, when read, then the SSM error is wrapped", param: "/cch/missing", wantErr: true, errTarget: new(*types.ParameterNotFound)},
		{name: "given an empty parameter, when read, then ErrEmpty", param: "/cch/empty", wantErr: true},
		{name: "given no name, when read, then an error without calling SSM", param: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := &recordingSSM{values: map[string]string{"/cch/meta/app-secret": "s3cr3t", "/cch/empty": ""}}
			get, err := FromSSM(api)
			if err != nil {
				t.Fatal(err)
			}
			got, err := get(context.Background(), tc.param)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got value")
				}
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Fatalf("error leaks a secret: %v", err)
				}
				if tc.errTarget != nil {
					var nf *types.ParameterNotFound
					if !errors.As(err, &nf) {
						t.Fatalf("error %v does not wrap ParameterNotFound", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if len(api.asked) != 1 || !aws.ToBool(api.asked[0].WithDecryption) {
				t.Fatalf("want one GetParameter with decryption, got %+v", api.asked)
			}
		})
	}
}

func TestFromSSMNeedsClient(t *testing.T) {
	t.Run("given no client, when constructing, then an error", func(t *testing.T) {
		if _, err := FromSSM(nil); err == nil {
			t.Fatal("want an error")
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
