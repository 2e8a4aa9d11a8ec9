#!/usr/bin/env bash
# tools.sh installs the IaC tools the infra checks need, under .cache/ at the
# repository root, so a fresh CI machine needs only python3, node and npm:
#   - AWS SAM CLI and cfn-lint in a Python venv (.cache/venv), from PyPI;
#   - the AWS CDK CLI (aws-cdk) from npm (.cache/npm), for `cdk synth`;
#   - schemathesis in the same venv, for the API contract check
#     (infra/local/schemathesis.sh).
# It is idempotent: a tool already at the pinned version is left alone.
# Usage: infra/tools.sh [sam|cdk|schemathesis|all]   (default all)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
VENV="$CACHE/venv"
NPMDIR="$CACHE/npm"

SAM_VERSION="${SAM_VERSION:-1.170.0}"
CFNLINT_VERSION="${CFNLINT_VERSION:-1.58.0}"
SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
# The CDK CLI's version is pinned once, in infra/package.json (what
# `npm ci && npx aws-cdk synth` in infra/ uses too).
CDK_CLI_VERSION="${CDK_CLI_VERSION:-$(node -p 'require(process.argv[1]).devDependencies["aws-cdk"]' "$ROOT/infra/package.json")}"

log() { printf 'tools.sh: %s\n' "$*" >&2; }

install_sam() {
  local want_sam="SAM CLI, version $SAM_VERSION"
  if [[ -x "$VENV/bin/sam" && -x "$VENV/bin/cfn-lint" ]] &&
     [[ "$("$VENV/bin/sam" --version 2>/dev/null)" == "$want_sam" ]] &&
     [[ "$("$VENV/bin/cfn-lint" --version 2>/dev/null)" == "cfn-lint $CFNLINT_VERSION" ]]; then
    return 0
  fi
  log "installing aws-sam-cli==$SAM_VERSION cfn-lint==$CFNLINT_VERSION into $VENV"
  if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "aws-sam-cli==$SAM_VERSION" "cfn-lint==$CFNLINT_VERSION"
  "$VENV/bin/sam" --version >&2
  "$VENV/bin/cfn-lint" --version >&2
}

install_schemathesis() {
  if [[ -x "$VENV/bin/st" ]] &&
     "$VENV/bin/python" -c 'import sys, importlib.metadata as m; sys.exit(m.version("schemathesis") != sys.argv[1])' "$SCHEMATHESIS_VERSION" 2>/dev/null; then
    return 0
  fi
  log "installing schemathesis==$SCHEMATHESIS_VERSION into $VENV"
  if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}

install_cdk() {
  command -v node >/dev/null || { log "node is required for the CDK (jsii) and the CDK CLI"; exit 1; }
  local have=""
  if [[ -x "$NPMDIR/node_modules/.bin/cdk" ]]; then
    have="$("$NPMDIR/node_modules/.bin/cdk" --version 2>/dev/null | awk '{print $1}')"
  fi
  if [[ "$have" == "$CDK_CLI_VERSION" ]]; then
    return 0
  fi
  log "installing aws-cdk@$CDK_CLI_VERSION into $NPMDIR"
  mkdir -p "$NPMDIR"
  [[ -f "$NPMDIR/package.json" ]] || echo '{"name":"infra-tools","private":true}' >"$NPMDIR/package.json"
  npm install --prefix "$NPMDIR" --no-audit --no-fund --loglevel=error \
    "aws-cdk@$CDK_CLI_VERSION" >&2
  "$NPMDIR/node_modules/.bin/cdk" --version >&2
}

case "${1:-all}" in
  sam) install_sam ;;
  cdk) install_cdk ;;
  schemathesis) install_schemathesis ;;
  all) install_sam; install_cdk; install_schemathesis ;;
  *) log "unknown target $1 (want sam, cdk, schemathesis or all)"; exit 2 ;;
esac
