#!/usr/bin/env bash
# make run: install what is missing, start the local stack, host the real
# handlers behind a local API Gateway / SQS event source / EventBridge
# schedule, seed a demo organization through the real queue (once: the
# stack keeps its data under .local/data/; `make reset` wipes it), and serve
# until Ctrl-C, which stops everything this script started. If the runner
# dies, the stack stays up with its data, and this says what happened.
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
seed_pid=""
stopping=0
cleanup() {
  trap - EXIT INT TERM
  stopping=1
  [ -n "$seed_pid" ] && kill "$seed_pid" 2>/dev/null && wait "$seed_pid" 2>/dev/null
  if [ -n "$runner_pid" ] && kill -0 "$runner_pid" 2>/dev/null; then
    echo
    echo "run: stopping"
    kill "$runner_pid" 2>/dev/null && wait "$runner_pid" 2>/dev/null || true
    if [ "$started_stack" = 1 ]; then bash infra/local/stack.sh stop || true; fi
  fi
  rm -f "$runner_pidfile"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# runner_died explains an exit of the runner that nobody asked for, and
# leaves the stack and its data alone.
runner_died() {
  local rc="$1" how
  if ((rc > 128)); then how="was killed by signal $((rc - 128))"; else how="exited with status $rc"; fi
  {
    echo
    echo "run: the runner $how; last lines of .local/runner.log:"
    tail -n 15 .local/runner.log | sed 's/^/  /'
    echo "run: the stack is still up and keeps its data (DynamoDB ${DYNAMODB_ENDPOINT}, SQS ${SQS_ENDPOINT});"
    echo "     queued events wait for the next runner. \`make run\` starts it again; \`make stop\` stops the stack."
  } >&2
}

runner_pidfile=".local/runner-${PORT}.pid"
LOG_LEVEL="${LOG_LEVEL:-warn}" bin/local/runner >> .local/runner.log 2>&1 &
runner_pid=$!
echo "$runner_pid" > "$runner_pidfile"
for _ in $(seq 1 50); do
  curl -s -o /dev/null "http://127.0.0.1:${PORT}/" && break
  kill -0 "$runner_pid" 2>/dev/null || { rc=0; wait "$runner_pid" || rc=$?; runner_died "$rc"; exit 1; }
  sleep 0.2
done

# The demo organization is seeded once per stack: a restart finds it in the
# stored data (and any events still queued are metered by the new runner).
seeded=".local/data/dynamodb-${DDB_PORT:-8000}/seeded-demo"
mkdir -p "$(dirname "$seeded")"
if [ "${SEED:-1}" = 1 ] && [ -f "$seeded" ]; then
  echo "run: the demo organization is already loaded ($(cat "$seeded" | tr -d '\n') sent; make reset starts over)"
elif [ "${SEED:-1}" = 1 ]; then
  bin/local/seed -org demo -contacts "${SEED_CONTACTS:-3000}" -days 60 -sent-marker "$seeded" &
  seed_pid=$!
  # Whichever ends first: the seed (done), or the runner (a crash).
  ended="" rc=0
  wait -n -p ended "$seed_pid" "$runner_pid" || rc=$?
  if [ "$ended" = "$runner_pid" ]; then
    kill "$seed_pid" 2>/dev/null || true
    wait "$seed_pid" 2>/dev/null || true
    seed_pid=""
    runner_died "$rc"
    exit 1
  fi
  seed_pid=""
  if [ "$rc" != 0 ]; then echo "run: the seed failed (status $rc); the runner keeps serving" >&2; fi
fi

cat <<MSG

Customer Cloud Home is running.
  The Home page:            http://localhost:${PORT}/   (sign in as any profile; or ?as=Admin&org=demo)
  API (local API Gateway):  http://localhost:${PORT}   (runner log: .local/runner.log)
  DynamoDB Local:           ${DYNAMODB_ENDPOINT}   table ${TABLE_NAME}
  SQS (ElasticMQ):          ${SQS_ENDPOINT}   queue ${EVENTS_QUEUE_URL}
  Rollup every ${ROLLUP_EVERY}; the demo organization is "demo".
  Data is kept under .local/data/ across restarts; make reset wipes it.

Try:
  curl -s -H "Authorization: Bearer \$(make -s token PROFILE=Admin)" localhost:${PORT}/v1/home
  curl -s -H "Authorization: Bearer \$(make -s token PROFILE=Admin)" "localhost:${PORT}/v1/consumption?limit=5"
  make -s token PROFILE=Operator ORG=demo     # other profiles: AdvancedAgent, Viewer, Agent

Ctrl-C stops everything this command started.
MSG
rc=0
wait "$runner_pid" || rc=$?
if [ "$stopping" = 0 ]; then
  runner_died "$rc"
  exit 1
fi
