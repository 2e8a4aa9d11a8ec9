# Customer Cloud Home. The two commands that matter:
#   make run    start everything locally (emulators, handlers, demo data)
#   make test   every test, against the real emulators
SHELL := /bin/bash
PROFILE ?= Admin
ORG ?= demo
GO_TEST_PKGS = $(shell go list ./... | grep -v -E '/infra$$|/infra/cdk|/infra/iac')
STATICCHECK := .cache/bin/staticcheck
FUZZTIME ?= 10s

include infra/infra.mk

.PHONY: run test go-test fuzz lint bench stack stop token seed

run:
	bash infra/local/run.sh

token:
	@go run ./infra/cmd/token -profile "$(PROFILE)" -org "$(ORG)"

stack:
	bash infra/local/stack.sh start

stop:
	bash infra/local/stack.sh stop

test: stack go-test fuzz infra-test

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
	go test ./shared/alerts -run '^$$' -fuzz '^FuzzDecodeEnvelope$$' -fuzztime $(FUZZTIME)
	go test ./shared/alerts -run '^$$' -fuzz '^FuzzMark$$' -fuzztime $(FUZZTIME)
	go test ./shared/alerts -run '^$$' -fuzz '^FuzzSignature$$' -fuzztime $(FUZZTIME)
	go test ./shared/alerts -run '^$$' -fuzz '^FuzzThresholds$$' -fuzztime $(FUZZTIME)
	go test ./shared/home -run '^$$' -fuzz '^FuzzWebhookRequest$$' -fuzztime $(FUZZTIME)

$(STATICCHECK):
	GOBIN=$(abspath .cache/bin) go install honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: $(STATICCHECK)
	@fmt=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$fmt" ]; then echo "gofmt: $$fmt"; exit 1; fi
	go mod tidy -diff
	go vet ./...
	$(STATICCHECK) ./...

bench: stack
	go test -run '^$$' -bench . -benchtime 1x -count 1 -timeout 30m ./internal/bench/ | tee .local/bench.txt
