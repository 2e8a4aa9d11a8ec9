#!/usr/bin/env bash
# schemathesis.sh checks the running API against docs/openapi.yaml with
# schemathesis (an outside, property-based API tester, from PyPI): it
# starts the local runner (the real handlers behind the local API Gateway)
# on a free loopback port on the local stack, and runs every operation of
# the document through the examples, coverage and fuzzing phases, with a
# token for a throwaway organization. It fails on any server error, any
# status, content type or header the document does not give for the
# operation, any body that violates the response schema, a schema-violating
# request accepted, a missing required header not refused, an undocumented
# method not answered 405 with Allow, or a route that ignores its auth.
# Left out: positive_data_acceptance (the API refuses some schema-valid
# plans with 422 on purpose, e.g. an unknown time zone or a cursor of
# another range, rules a JSON Schema cannot state) and the stateful checks
# (no operation creates a resource to follow).
#
# Needs the local stack (infra/local/stack.sh start) and the venv tool
# (infra/tools.sh schemathesis); `make schemathesis` does both.
# Environment: ST_MAX_EXAMPLES (fuzzing cases per operation, default 60),
# ST_SEED (default 14, so a failure reproduces), ST_ORG (default st-contract).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
st="$root/.cache/venv/bin/st"
[[ -x "$st" ]] || { echo "schemathesis: $st missing; run: bash infra/tools.sh schemathesis" >&2; exit 1; }
[[ -f .local/stack.env ]] || { echo "schemathesis: no .local/stack.env; run: bash infra/local/stack.sh start" >&2; exit 1; }
set -a
# shellcheck disable=SC1091
. .local/stack.env
set +a

out="$root/.local/schemathesis"
mkdir -p "$out" bin/local
go build -o bin/local/runner ./infra/cmd/runner
go build -o bin/local/token ./infra/cmd/token
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

# Throwaway webhook secrets: the webhook operations are checked unsigned
# (401s and 404s must still be documented ones).
PORT="$port" ROLLUP_EVERY=1h SENTIMENT_PROVIDER=offline LOG_LEVEL=warn \
	PRODUCER_SECRETS_JSON='{"st-contract":"whsec_c2NoZW1hdGhlc2lzLWxvY2FsLW9ubHktc2VjcmV0"}' \
	META_APP_SECRET=st-meta-secret META_VERIFY_TOKEN=st-verify \
	bin/local/runner >"$out/runner.log" 2>&1 &
runner_pid=$!
trap 'kill "$runner_pid" 2>/dev/null; wait "$runner_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	kill -0 "$runner_pid" 2>/dev/null || { echo "schemathesis: the runner exited:" >&2; cat "$out/runner.log" >&2; exit 1; }
	sleep 0.1
done
token="$(bin/local/token -profile Admin -org "${ST_ORG:-st-contract}" -ttl 1h)"

start=$SECONDS
# From .local/schemathesis/: its example database (.schemathesis/) goes there.
cd "$out"
SCHEMATHESIS_TELEMETRY=false "$st" run "$root/docs/openapi.yaml" \
	--url "http://127.0.0.1:$port" \
	--phases examples,coverage,fuzzing \
	--checks all --exclude-checks positive_data_acceptance,ensure_resource_availability,use_after_free,object_level_authorization \
	--max-examples "${ST_MAX_EXAMPLES:-60}" --seed "${ST_SEED:-14}" --workers 1 \
	--request-timeout 10 --no-color \
	--header "Authorization: Bearer $token" \
	--report junit --report-dir "$out" \
	--warnings off
echo "schemathesis: passed in $((SECONDS - start))s (JUnit report in ${out#"$root"/}/)"
