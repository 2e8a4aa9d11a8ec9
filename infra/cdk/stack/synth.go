package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/customercloud/home/shared/resources"
)

// DefaultStackName is the stack's name unless the app is given another
// (cdk synth -c stackName=...), so two stages can share an account.
const DefaultStackName = "cch-home"

// RepoRoot finds the repository root, the nearest directory above dir that
// holds go.mod, so the app finds bin/ whether cdk runs it from infra/ or the
// root.
func RepoRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("repo root: no go.mod above %s", dir)
		}
		d = parent
	}
}

// StubAssets writes a placeholder bin/<function>/bootstrap for every
// function under dir, so tests can synthesize without building the functions:
// the CDK only hashes and copies the asset directory.
func StubAssets(dir string) error {
	for _, f := range resources.Functions {
		d := filepath.Join(dir, "bin", f.Name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("stub assets: %w", err)
		}
		if err := os.WriteFile(filepath.Join(d, "bootstrap"), []byte("#!/bin/sh\n# stub for "+f.Name+"\n"), 0o755); err != nil {
			return fmt.Errorf("stub assets: %w", err)
		}
	}
	return nil
}

// Synth builds the stack in a new app that writes its cloud assembly to
// outDir, and returns the synthesized template as JSON.
func Synth(outDir, assetDir string) ([]byte, error) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outDir)})
	s, err := New(app, DefaultStackName, &Props{AssetDir: assetDir})
	if err != nil {
		return nil, err
	}
	asm := app.Synth(nil)
	art := asm.GetStackArtifact(s.ArtifactId())
	if art == nil || art.TemplateFullPath() == nil {
		return nil, errors.New("synth: no template for the stack")
	}
	b, err := os.ReadFile(*art.TemplateFullPath())
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	return b, nil
}
