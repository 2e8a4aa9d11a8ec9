#!/usr/bin/env bash
# crashcheck.sh shows that local data survives a crash: on a stack of its
# own (free ports, its own .local/data/ entries), it runs `make run`
# (infra/local/run.sh) with a small seed, kills the runner with SIGKILL
# while the seed's events are being metered, checks that run.sh says so and
# leaves the stack up, restarts the emulators, checks that the ledger and
# the queue hold exactly what they held, then runs `make run` again and
# waits for the queue to drain. It removes its stack and data at the end.
# It rewrites .local/stack.env while it runs (one stack per checkout) and
# puts the previous one back: do not run it beside make test or make run.
#
# Environment: CRASH_CONTACTS (seed size, default 300 contacts, about
# 2,500 events).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
DDB_PORT="$(free_port)" SQS_PORT="$(free_port)" PORT="$(free_port)"
export DDB_PORT SQS_PORT PORT SEED_CONTACTS="${CRASH_CONTACTS:-300}"
log1=".local/crashcheck-run1.log" log2=".local/crashcheck-run2.log"
mkdir -p .local
say() { printf 'crashcheck: %s\n' "$*"; }
fail() { printf 'crashcheck: FAIL: %s\n' "$*" >&2; exit 1; }
count() { go run ./infra/cmd/localcount -org demo; }
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }

# .local/stack.env names one stack per checkout: keep the developer's.
saved_env=""
if [[ -f .local/stack.env ]]; then saved_env="$(cat .local/stack.env)"; fi
run_pids=()
finish() {
	local p
	# TERM: a background job of a script ignores SIGINT.
	for p in "${run_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${run_pids[@]}"; do wait "$p" 2>/dev/null || true; done
	bash infra/local/stack.sh reset >/dev/null 2>&1 || true
	if [[ -n "$saved_env" ]]; then printf '%s\n' "$saved_env" >.local/stack.env; fi
}
trap finish EXIT

say "stack on DynamoDB :$DDB_PORT, SQS :$SQS_PORT, API :$PORT; seeding $SEED_CONTACTS contacts"
bash infra/local/run.sh >"$log1" 2>&1 &
run_pids+=($!)
marker=".local/data/dynamodb-$DDB_PORT/seeded-demo"
deadline=$((SECONDS + 600))
until [[ -f "$marker" ]]; do
	((SECONDS < deadline)) || fail "the seed did not finish sending (see $log1)"
	kill -0 "${run_pids[0]}" 2>/dev/null || fail "make run exited early (see $log1)"
	sleep 1
done
# Kill while metering: some debits written, some events still queued.
until c="$(count)" && (($(field ledger "$c") > 0)); do sleep 0.5; done
kill -9 "$(cat ".local/runner-$PORT.pid")"
say "killed the runner (SIGKILL) at: $c"
set +e
wait "${run_pids[0]}"
rc=$?
set -e
run_pids=()
((rc != 0)) || fail "run.sh exited 0 after its runner was killed"
grep -q "the runner was killed by signal 9" "$log1" || fail "run.sh did not say the runner was killed (see $log1)"
grep -q "the stack is still up" "$log1" || fail "run.sh did not say the stack is up (see $log1)"
bash infra/local/stack.sh status >/dev/null || fail "the stack went down with the runner"
before="$(count)"
say "run.sh reported the crash; the stack is up: $before"

say "restarting the emulators"
bash infra/local/stack.sh stop 2>/dev/null
bash infra/local/stack.sh start 2>/dev/null
after="$(count)"
[[ "$after" == "$before" ]] || fail "after the emulators restarted: $after, before: $before"
say "after the restart, the same: $after"

bash infra/local/run.sh >"$log2" 2>&1 &
run_pids+=($!)
deadline=$((SECONDS + 300))
until c="$(count)" && (($(field queued "$c") == 0)); do
	((SECONDS < deadline)) || fail "the queue did not drain in 5 minutes: $c (see $log2)"
	kill -0 "${run_pids[0]}" 2>/dev/null || fail "the second make run exited (see $log2)"
	sleep 1
done
grep -q "already loaded" "$log2" || fail "the second make run seeded again (see $log2)"
(($(field ledger "$c") >= $(field ledger "$before"))) || fail "the ledger shrank: $c"
(($(field dlq "$c") == $(field dlq "$before"))) || fail "events went to the dead-letter queue: $c"
say "second make run: no new seed, the queue drained: $c"
say "passed"
