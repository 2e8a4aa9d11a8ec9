#!/usr/bin/env bash
# samlocal.sh runs the functions the SAM CLI way: each in its Lambda
# container (sam local), against the same local stack as `make run`.
#
#   up       everything below, then serve: `sam local start-api` on
#            127.0.0.1:$SAM_PORT (default 3001), `sam local start-lambda` on
#            $SAM_LAMBDA_PORT (default SAM_PORT+1) fed from the events queue by
#            infra/cmd/lambdafeed (SAM has no SQS event source), until Ctrl-C,
#            which stops everything this command started
#   prepare  Docker (engine, daemon, proxy), the offline base image, the local
#            stack, .local/sam-env.json and `sam build` for this host; exits 3
#            (nothing started) when Docker cannot be had without root
#   stop     stop the dockerd and proxy this script started; a daemon it did
#            not start is left alone
#   env      print DOCKER_HOST and the other settings the tests use
#
# Docker: a daemon that already answers (DOCKER_HOST or /var/run/docker.sock)
# is used as it is. Otherwise, as root, the engine is installed from Debian's
# packages (docker.io) if missing and started with its own socket
# (.local/docker/docker.sock), data root (.cache/docker) and exec root, no
# bridge and no iptables rules. SAM talks to it through infra/cmd/samdocker,
# which puts Lambda containers on the host network (package
# infra/local/hostnet says why), so they reach the emulators on 127.0.0.1.
#
# Base image: never pulled. `docker import` of a root filesystem holding only
# busybox (Debian's busybox-static, fetched with apt-get download), built once
# per daemon; SAM adds its Runtime Interface Emulator (shipped with SAM CLI)
# on top and the functions are static Go binaries, so nothing else is needed.
# The functions are built for this host's architecture (template parameter
# Architecture; README, "Two ways to run it").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="$ROOT/.local"
DDIR="$LOCAL/docker"
SAM="$ROOT/.cache/venv/bin/sam"
SAM_PORT="${SAM_PORT:-3001}"
SAM_LAMBDA_PORT="${SAM_LAMBDA_PORT:-$((SAM_PORT + 1))}"
BASE_IMAGE="cch-lambda-base:busybox"
TIMEOUT="${SAM_LOCAL_TIMEOUT:-120}"
export SAM_CLI_TELEMETRY=0 AWS_EC2_METADATA_DISABLED=true SAM_CLI_CONTAINER_CONNECTION_TIMEOUT=60

log() { printf 'sam-local: %s\n' "$*" >&2; }
die() { printf 'sam-local: error: %s\n' "$*" >&2; exit 1; }
# skip: Docker is out of reach without root; callers (make, tests) say so.
skip() { printf 'sam-local: cannot run: %s\n' "$*" >&2; exit 3; }

case "$(uname -m)" in
x86_64 | amd64) ARCH=x86_64 GOARCH=amd64 ;;
aarch64 | arm64) ARCH=arm64 GOARCH=arm64 ;;
*) die "unsupported architecture $(uname -m)" ;;
esac
BUILD_DIR="$ROOT/.aws-sam/local-$ARCH"
PARAMS="Stage=dev LogLevel=debug Architecture=$ARCH JwtIssuer=https://auth.local.customercloud.test JwtAudience=customer-cloud-home CorsAllowOrigins=http://localhost:8080"

# ---------------------------------------------------------------- docker

answers() { DOCKER_HOST="$1" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# exec root holds containerd's sockets: keep its path short (unix sockets
# are limited to 108 bytes).
exec_root() {
	local d="$DDIR/run"
	if ((${#d} > 60)); then d="/tmp/cch-docker-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)"; fi
	echo "$d"
}

ours_pid() {
	local pid
	[[ -f "$DDIR/dockerd.pid" ]] || return 1
	pid="$(cat "$DDIR/dockerd.pid")"
	[[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && ps -p "$pid" -o comm= | grep -q dockerd && echo "$pid"
}

ensure_engine() {
	command -v docker >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 && return 0
	[[ "$(id -u)" == 0 ]] || skip "no Docker daemon answers and dockerd is not installed; as root this installs docker.io from Debian, or start Docker yourself"
	command -v apt-get >/dev/null 2>&1 || skip "no Docker and no apt-get to install it"
	log "installing the Docker engine from Debian's packages (docker.io)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >&2 ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >&2; } ||
		die "apt-get install docker.io failed"
}

# upstream: prints the daemon socket to use, starting our own if none answers.
upstream() {
	if [[ -n "${DOCKER_HOST:-}" && "$DOCKER_HOST" == unix://* && "$DOCKER_HOST" != "unix://$DDIR/"* ]] && answers "$DOCKER_HOST"; then
		log "using the Docker daemon at $DOCKER_HOST (not started here; left as it is)"
		echo "${DOCKER_HOST#unix://}"
		return
	fi
	if [[ -z "${DOCKER_HOST:-}" && -S /var/run/docker.sock ]] && answers unix:///var/run/docker.sock; then
		log "using the Docker daemon at /var/run/docker.sock (not started here; left as it is)"
		echo /var/run/docker.sock
		return
	fi
	local sock="$DDIR/docker.sock"
	if answers "unix://$sock"; then
		echo "$sock"
		return
	fi
	ensure_engine
	[[ "$(id -u)" == 0 ]] || skip "no Docker daemon answers and starting one needs root"
	mkdir -p "$DDIR" "$ROOT/.cache/docker"
	local er
	er="$(exec_root)"
	log "starting dockerd (socket ${sock#"$ROOT"/}, data .cache/docker, log .local/docker/dockerd.log)"
	(exec setsid dockerd --host "unix://$sock" --data-root "$ROOT/.cache/docker" --exec-root "$er" \
		--pidfile "$DDIR/dockerd.pid" --bridge none --iptables=false --ip6tables=false --ip-masq=false \
		</dev/null >"$DDIR/dockerd.log" 2>&1 9>&-) &
	local deadline=$((SECONDS + TIMEOUT))
	until answers "unix://$sock"; do
		if ((SECONDS > deadline)); then
			tail -n 30 "$DDIR/dockerd.log" >&2 || true
			die "dockerd did not answer within ${TIMEOUT}s (log: .local/docker/dockerd.log)"
		fi
		sleep 0.5
	done
	echo "$sock"
}

# proxy: starts infra/cmd/samdocker in front of the daemon (once).
proxy() {
	local up="$1" sock="$DDIR/sam.sock" pid
	if [[ -f "$DDIR/samdocker.pid" ]] && pid="$(cat "$DDIR/samdocker.pid")" && kill -0 "$pid" 2>/dev/null &&
		[[ "$(cat "$DDIR/samdocker.upstream" 2>/dev/null)" == "$up" ]] && answers "unix://$sock"; then
		return
	fi
	[[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null || true
	mkdir -p "$ROOT/bin/local"
	(cd "$ROOT" && go build -o bin/local/samdocker ./infra/cmd/samdocker)
	(exec setsid "$ROOT/bin/local/samdocker" -listen "$sock" -upstream "$up" </dev/null >"$DDIR/samdocker.log" 2>&1 9>&-) &
	echo $! >"$DDIR/samdocker.pid"
	echo "$up" >"$DDIR/samdocker.upstream"
	local i
	for ((i = 0; i < 100; i++)); do
		answers "unix://$sock" && return
		sleep 0.1
	done
	die "the SAM Docker proxy did not answer (log: .local/docker/samdocker.log)"
}

docker_ready() {
	mkdir -p "$DDIR"
	command -v docker >/dev/null 2>&1 || ensure_engine
	local up
	up="$(upstream)"
	proxy "$up"
	export DOCKER_HOST="unix://$DDIR/sam.sock"
}

# ---------------------------------------------------------------- image

base_image() {
	docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return 0
	log "building $BASE_IMAGE from Debian's busybox-static (no registry)"
	local tmp
	tmp="$(mktemp -d)"
	(cd "$tmp" && apt-get download "busybox-static:$(dpkg --print-architecture)" >/dev/null 2>&1) ||
		{ [[ "$(id -u)" == 0 ]] && apt-get update -qq && (cd "$tmp" && apt-get download "busybox-static:$(dpkg --print-architecture)" >/dev/null); } ||
		die "apt-get download busybox-static failed"
	dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/deb"
	mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/tmp" "$tmp/rootfs/var/task" "$tmp/rootfs/var/runtime" "$tmp/rootfs/opt" "$tmp/rootfs/etc"
	cp "$tmp/deb/bin/busybox" "$tmp/rootfs/bin/busybox"
	for a in sh mv cp chmod rm mkdir ls cat; do ln -s busybox "$tmp/rootfs/bin/$a"; done
	chmod 1777 "$tmp/rootfs/tmp"
	tar -C "$tmp/rootfs" --owner=0 --group=0 -c . | docker import --platform "linux/$GOARCH" - "$BASE_IMAGE" >/dev/null
	rm -rf "$tmp"
}

# ---------------------------------------------------------------- build

sam_build() {
	[[ -x "$SAM" ]] || bash "$ROOT/infra/tools.sh" sam
	make -s -C "$ROOT" -f infra/infra.mk infra-sam-env >/dev/null
	log "sam build for $ARCH into ${BUILD_DIR#"$ROOT"/}"
	(cd "$ROOT" && INFRA_GOARCH="$GOARCH" "$SAM" build --template-file template.yaml --build-dir "$BUILD_DIR" \
		--parameter-overrides "$PARAMS" >"$LOCAL/sam-build.log" 2>&1) ||
		{ tail -n 30 "$LOCAL/sam-build.log" >&2; die "sam build failed (log: .local/sam-build.log)"; }
}

write_env() {
	cat >"$LOCAL/sam-local.env" <<EOF2
DOCKER_HOST=$DOCKER_HOST
SAM=$SAM
SAM_TEMPLATE=$BUILD_DIR/template.yaml
SAM_INVOKE_IMAGE=$BASE_IMAGE
SAM_ENV_VARS=$LOCAL/sam-env.json
SAM_PARAMS=$PARAMS
EOF2
}

prepare() {
	docker_ready
	base_image
	bash "$ROOT/infra/local/stack.sh" start
	sam_build
	write_env
}

# ---------------------------------------------------------------- serve

# What `up` started, for its cleanup (globals: the EXIT trap runs after up
# has returned).
PIDS=()
STARTED_DOCKER=0
STARTED_STACK=0

up() {
	local t0=$SECONDS
	ours_pid >/dev/null || STARTED_DOCKER=1
	bash "$ROOT/infra/local/stack.sh" status >/dev/null 2>&1 || STARTED_STACK=1
	prepare
	ours_pid >/dev/null || STARTED_DOCKER=0
	(cd "$ROOT" && go build -o bin/local/lambdafeed ./infra/cmd/lambdafeed && go build -o bin/local/token ./infra/cmd/token)
	local common=(--template "$BUILD_DIR/template.yaml" --env-vars "$LOCAL/sam-env.json" --parameter-overrides "$PARAMS"
		--invoke-image "$BASE_IMAGE" --skip-pull-image --docker-network host --warm-containers EAGER)
	cleanup() {
		trap - EXIT INT TERM
		echo
		log "stopping"
		local p i
		# SAM removes its warm containers on SIGINT; TERM if it lingers.
		for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
		for ((i = 0; i < 50; i++)); do
			kill -0 "${PIDS[@]}" 2>/dev/null || break
			sleep 0.2
		done
		for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
		for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
		remove_containers
		if [[ "$STARTED_DOCKER" == 1 ]]; then stop_docker; else stop_proxy; fi
		if [[ "$STARTED_STACK" == 1 ]]; then bash "$ROOT/infra/local/stack.sh" stop || true; fi
	}
	trap cleanup EXIT INT TERM
	(cd "$ROOT" && exec "$SAM" local start-api "${common[@]}" --host 127.0.0.1 --port "$SAM_PORT" >"$LOCAL/sam-api.log" 2>&1) &
	PIDS+=($!)
	(cd "$ROOT" && exec "$SAM" local start-lambda "${common[@]}" --host 127.0.0.1 --port "$SAM_LAMBDA_PORT" >"$LOCAL/sam-lambda.log" 2>&1) &
	PIDS+=($!)
	wait_port "$SAM_PORT" "$LOCAL/sam-api.log"
	wait_port "$SAM_LAMBDA_PORT" "$LOCAL/sam-lambda.log"
	(cd "$ROOT" && exec bin/local/lambdafeed -lambda "http://127.0.0.1:$SAM_LAMBDA_PORT" >"$LOCAL/lambdafeed.log" 2>&1) &
	PIDS+=($!)
	cat <<MSG

Customer Cloud Home is running under SAM CLI (each function in its Lambda container; ready in $((SECONDS - t0))s).
  API (sam local start-api):  http://localhost:$SAM_PORT   (log: .local/sam-api.log: START/END/REPORT per call)
  Lambda API (start-lambda):  http://127.0.0.1:$SAM_LAMBDA_PORT, fed from the events queue by lambdafeed (.local/lambdafeed.log)
  Docker:                     $DOCKER_HOST

Try:
  curl -s -H "Authorization: Bearer \$(make -s token PROFILE=Admin)" localhost:$SAM_PORT/v1/home
  curl -s -o /dev/null -w '%{http_code}\n' localhost:$SAM_PORT/v1/home        # 401 without a token
  (make run seeds the demo organization; here the Home is empty until events arrive)

Ctrl-C stops everything this command started.
MSG
	wait "${PIDS[0]}"
}

wait_port() {
	local deadline=$((SECONDS + TIMEOUT))
	until curl -s -o /dev/null "http://127.0.0.1:$1/"; do
		((SECONDS < deadline)) || { tail -n 30 "$2" >&2; die "nothing answers on port $1 (log: ${2#"$ROOT"/})"; }
		sleep 0.3
	done
}

# remove_containers removes Lambda containers of this project's image left
# behind (a SAM process that was killed), on whichever daemon SAM used.
remove_containers() {
	docker ps -aq --filter label=sam.cli.container.type=lambda --filter "ancestor=${BASE_IMAGE%%:*}:rapid-$ARCH" 2>/dev/null |
		xargs -r docker rm -f >/dev/null 2>&1 || true
}

stop_proxy() {
	local pid
	if [[ -f "$DDIR/samdocker.pid" ]] && pid="$(cat "$DDIR/samdocker.pid")" && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
	fi
	rm -f "$DDIR/samdocker.pid"
}

stop_docker() {
	stop_proxy
	local pid i
	if ! pid="$(ours_pid)"; then
		log "dockerd: not started by this script; nothing to stop"
		return 0
	fi
	log "stopping dockerd (pid $pid)"
	DOCKER_HOST="unix://$DDIR/docker.sock" remove_containers
	kill "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	log "dockerd did not exit in 20s; sending SIGKILL"
	kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
up) up ;;
prepare) prepare ;;
stop) stop_docker ;;
env) cat "$LOCAL/sam-local.env" ;;
-h | --help | help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' ;;
*)
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
