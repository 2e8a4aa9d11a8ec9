# Customer Cloud Home. The two commands that matter:
#   make run    start everything locally (emulators, handlers, demo data)
#   make test   every test, against the real emulators
SHELL := /bin/bash
PROFILE ?= Admin
ORG ?= demo
GO_TEST_PKGS = $(shell go list ./... | grep -v -E '/infra$$|/infra/cdk|/infra/iac|/infra/samlocal$$')
STATICCHECK := .cache/bin/staticcheck
FUZZTIME ?= 10s

include infra/infra.mk

.PHONY: run test go-test fuzz lint bench stack stop token seed sam-local sam-test

run:
	bash infra/local/run.sh

token:
	@go run ./infra/cmd/token -profile "$(PROFILE)" -org "$(ORG)"

stack:
	bash infra/local/stack.sh start

stop:
	bash infra/local/stack.sh stop
	bash infra/local/samlocal.sh stop

test: stack go-test fuzz infra-test sam-test

# The SAM CLI way: each function in its Lambda container (README, "Two ways
# to run it"). SAM_PORT is start-api's port (default 3001).
sam-local:
	bash infra/local/samlocal.sh up

# sam local invoke of every function and start-api end to end (infra/samlocal).
# Without root or Docker it skips locally, saying so; under CI it fails.
sam-test:
	@rc=0; bash infra/local/samlocal.sh prepare || rc=$$?; \
	if [ $$rc = 3 ]; then \
		if [ -n "$$CI" ]; then echo "sam-test: Docker cannot start (see above); CI needs it" >&2; exit 1; fi; \
		echo "sam-test: SKIPPED: no Docker here (see above); the sam local tests did not run" >&2; exit 0; \
	elif [ $$rc != 0 ]; then exit $$rc; fi; \
	start=$$(date +%s); go test -count=1 -v -timeout 20m ./infra/samlocal/; rc=$$?; \
	echo "sam-test: go test took $$(( $$(date +%s) - start ))s"; exit $$rc

# The race detector is on: the debit handler, rollup and runner are concurrent.
# It needs a C compiler (cgo); .ci/run installs gcc, so in CI it is never
# skipped, while a laptop without one still runs every test, with a warning.
RACE := $(shell (command -v gcc || command -v cc) >/dev/null 2>&1 && echo -race)
go-test:
	@if [ -z "$(RACE)" ]; then \
		if [ -n "$$CI" ]; then echo "go-test: no C compiler for go test -race (apt-get install gcc)" >&2; exit 1; fi; \
		echo "go-test: no C compiler: running without -race (apt-get install gcc to enable it)" >&2; fi
	go test $(RACE) -count=1 -timeout 20m $(GO_TEST_PKGS)

# Every decoder's fuzz target, for a bounded time each.
fuzz:
	go test ./shared/event -run '^$$' -fuzz '^FuzzDecodeEvent$$' -fuzztime $(FUZZTIME)
	go test ./shared/webhook -run '^$$' -fuzz '^FuzzMetaPayload$$' -fuzztime $(FUZZTIME)
	go test ./shared/webhook -run '^$$' -fuzz '^FuzzBatch$$' -fuzztime $(FUZZTIME)
	go test ./shared/webhook -run '^$$' -fuzz '^FuzzSignatureHeaders$$' -fuzztime $(FUZZTIME)

$(STATICCHECK):
	GOBIN=$(abspath .cache/bin) go install honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: $(STATICCHECK)
	@fmt=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$fmt" ]; then echo "gofmt: $$fmt"; exit 1; fi
	go mod tidy -diff
	go vet ./...
	$(STATICCHECK) ./...

bench: stack
	go test -run '^$$' -bench . -benchtime 1x -count 1 -timeout 30m ./internal/bench/ | tee .local/bench.txt
