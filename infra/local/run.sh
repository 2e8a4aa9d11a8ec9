#!/usr/bin/env bash
# make run: install what is missing, start the local stack, host the real
# handlers behind a local API Gateway / SQS event source / EventBridge
# schedule, seed a demo organization through the real queue, and serve until
# Ctrl-C, which stops everything this script started.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
command -v go >/dev/null || { echo "run: Go is required (https://go.dev/dl)" >&2; exit 1; }

started_stack=0
if ! bash infra/local/stack.sh status >/dev/null 2>&1; then started_stack=1; fi
bash infra/local/stack.sh start

# Local-only webhook secrets, made once per checkout, never committed.
if [ ! -f .local/secrets.env ]; then
  umask 077
  {
    echo "export PRODUCER_SECRETS_JSON='{\"demo\":\"whsec_$(head -c 24 /dev/urandom | base64)\"}'"
    echo "export META_APP_SECRET=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
    echo "export META_VERIFY_TOKEN=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
  } > .local/secrets.env
fi
set -a
# shellcheck disable=SC1091
. .local/stack.env
# shellcheck disable=SC1091
. .local/secrets.env
set +a
export PORT="${PORT:-3000}" ROLLUP_EVERY="${ROLLUP_EVERY:-15s}" SENTIMENT_PROVIDER=offline

command -v node >/dev/null || { echo "run: Node.js (with npm) is required to build the Home page (https://nodejs.org)" >&2; exit 1; }
make --no-print-directory web

mkdir -p bin/local
go build -o bin/local/runner ./infra/cmd/runner
go build -o bin/local/seed ./infra/cmd/seed
go build -o bin/local/token ./infra/cmd/token

runner_pid=""
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "run: stopping"
  [ -n "$runner_pid" ] && kill "$runner_pid" 2>/dev/null && wait "$runner_pid" 2>/dev/null || true
  if [ "$started_stack" = 1 ]; then bash infra/local/stack.sh stop || true; fi
}
trap cleanup EXIT INT TERM

LOG_LEVEL="${LOG_LEVEL:-warn}" bin/local/runner > .local/runner.log 2>&1 &
runner_pid=$!
for _ in $(seq 1 50); do
  curl -s -o /dev/null "http://127.0.0.1:${PORT}/" && break
  kill -0 "$runner_pid" 2>/dev/null || { echo "run: the runner exited:" >&2; tail -20 .local/runner.log >&2; exit 1; }
  sleep 0.2
done

if [ "${SEED:-1}" = 1 ]; then
  bin/local/seed -org demo -contacts "${SEED_CONTACTS:-3000}" -days 60
  sleep 1
  # One rollup now, so the first Home call already has figures.
fi

cat <<MSG

Customer Cloud Home is running.
  The Home page:            http://localhost:${PORT}/   (sign in as any profile; or ?as=Admin&org=demo)
  API (local API Gateway):  http://localhost:${PORT}   (runner log: .local/runner.log)
  DynamoDB Local:           ${DYNAMODB_ENDPOINT}   table ${TABLE_NAME}
  SQS (ElasticMQ):          ${SQS_ENDPOINT}   queue ${EVENTS_QUEUE_URL}
  Rollup every ${ROLLUP_EVERY}; the demo organization is "demo".

Try:
  curl -s -H "Authorization: Bearer \$(make -s token PROFILE=Admin)" localhost:${PORT}/v1/home
  curl -s -H "Authorization: Bearer \$(make -s token PROFILE=Admin)" "localhost:${PORT}/v1/consumption?limit=5"
  make -s token PROFILE=Operator ORG=demo     # other profiles: AdvancedAgent, Viewer, Agent

Ctrl-C stops everything this command started.
MSG
wait "$runner_pid"
