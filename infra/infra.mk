# infra/infra.mk: builds the Lambda bootstraps and runs the infrastructure
# checks. The root Makefile includes it; it also runs alone:
#   make -f infra/infra.mk build        # bin/<function>/bootstrap
#   make -f infra/infra.mk infra-test   # every IaC check (tools installed first)
# `sam build` calls the build-<LogicalId> targets (samconfig.toml names this
# file as the manifest), so SAM and the CDK deploy the same binaries.

# Paths are absolute, from this file's location, so the targets work from any
# working directory (SAM runs make in a scratch directory).
INFRA_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
INFRA_CACHE := $(INFRA_ROOT)/.cache
INFRA_SAM := $(INFRA_CACHE)/venv/bin/sam
INFRA_CFN_LINT := $(INFRA_CACHE)/venv/bin/cfn-lint
INFRA_CDK := $(INFRA_CACHE)/npm/node_modules/.bin/cdk
INFRA_SYNTH_DIR := $(INFRA_ROOT)/infra/cdk.out
INFRA_STACK := cch-home

# Each function as folder:LogicalId, as in shared/resources and infra/iac;
# infra/drift_test.go fails if this list differs from resources.Functions.
INFRA_FUNCTIONS := home-api:HomeApiFunction debit:DebitFunction rollup:RollupFunction webhook:WebhookFunction notify:NotifyFunction export:ExportFunction metrics-worker:MetricsWorkerFunction aggregate:AggregateFunction

# The tools talk to no service while checking: no telemetry, no notices, no
# version checks.
INFRA_ENV := SAM_CLI_TELEMETRY=0 CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true

# The bootstraps' GOARCH: arm64, as deployed, into bin/<function>/ (what the
# CDK app zips). `make sam-local` and its tests build for the host instead
# (INFRA_GOARCH=amd64 on x86_64, with the template's Architecture=x86_64), into
# bin/<goarch>/<function>/, so a host build never lands where a deploy reads.
INFRA_GOARCH ?= arm64
INFRA_BIN := bin$(if $(filter arm64,$(INFRA_GOARCH)),,/$(INFRA_GOARCH))

infra_fn_name = $(word 1,$(subst :, ,$1))
infra_fn_id = $(word 2,$(subst :, ,$1))

.PHONY: build infra-tools infra-test infra-go-test infra-synth infra-lint infra-sam-validate infra-sam-build infra-sam-env infra-clean

build: $(foreach f,$(INFRA_FUNCTIONS),build-$(call infra_fn_name,$f))

# build-<folder> builds one bootstrap; build-<LogicalId> is SAM's hook and
# copies it into $(ARTIFACTS_DIR).
define INFRA_FN_RULES
.PHONY: build-$(call infra_fn_name,$1) build-$(call infra_fn_id,$1)
build-$(call infra_fn_name,$1):
	cd $(INFRA_ROOT) && CGO_ENABLED=0 GOOS=linux GOARCH=$(INFRA_GOARCH) go build -tags lambda.norpc -trimpath -ldflags="-s -w" -o $(INFRA_BIN)/$(call infra_fn_name,$1)/bootstrap ./functions/$(call infra_fn_name,$1)
build-$(call infra_fn_id,$1): build-$(call infra_fn_name,$1)
	@test -n "$$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (this target is for sam build)" >&2; exit 1; }
	mkdir -p "$$(ARTIFACTS_DIR)"
	cp $(INFRA_ROOT)/$(INFRA_BIN)/$(call infra_fn_name,$1)/bootstrap "$$(ARTIFACTS_DIR)/bootstrap"
endef
$(foreach f,$(INFRA_FUNCTIONS),$(eval $(call INFRA_FN_RULES,$f)))

infra-tools:
	bash $(INFRA_ROOT)/infra/tools.sh all

# CDK assertions tests, the drift test between template.yaml and the CDK
# stack (and the CLI's synth output, when infra-synth has run), and the iac
# package's own tests. They need node (jsii), not the built functions.
infra-go-test:
	cd $(INFRA_ROOT) && INFRA_SYNTH_TEMPLATE=$(wildcard $(INFRA_SYNTH_DIR)/$(INFRA_STACK).template.json) go test ./infra ./infra/iac/... ./infra/cdk/...

# The real CDK CLI against infra/cdk.json, on the real bootstraps.
infra-synth: build infra-tools
	cd $(INFRA_ROOT)/infra && $(INFRA_ENV) $(INFRA_CDK) synth --quiet --no-notices --no-version-reporting -o $(INFRA_SYNTH_DIR) $(INFRA_STACK)

infra-lint: infra-synth
	$(INFRA_CFN_LINT) $(INFRA_ROOT)/template.yaml $(INFRA_SYNTH_DIR)/$(INFRA_STACK).template.json

infra-sam-validate: infra-tools
	cd $(INFRA_ROOT) && $(INFRA_ENV) $(INFRA_SAM) validate --lint --template-file template.yaml

infra-sam-build: infra-tools
	cd $(INFRA_ROOT) && $(INFRA_ENV) $(INFRA_SAM) build --template-file template.yaml
	@for f in $(foreach f,$(INFRA_FUNCTIONS),$(call infra_fn_id,$f)); do \
	  test -x $(INFRA_ROOT)/.aws-sam/build/$$f/bootstrap || { echo "sam build left no bootstrap for $$f" >&2; exit 1; }; \
	done

# Order matters: the synth output is checked by infra-go-test's drift test.
infra-test: infra-tools
	$(MAKE) -f $(INFRA_ROOT)/infra/infra.mk infra-lint
	$(MAKE) -f $(INFRA_ROOT)/infra/infra.mk infra-go-test
	$(MAKE) -f $(INFRA_ROOT)/infra/infra.mk infra-sam-validate
	$(MAKE) -f $(INFRA_ROOT)/infra/infra.mk infra-sam-build

# .local/sam-env.json for `sam local --config-env local`, from the local
# stack's .local/stack.env (infra/local/stack.sh start): the emulators'
# endpoints, the table and queue names there, the offline sentiment classifier
# and local webhook secrets (events/webhook.json is signed for org "demo" with
# demo-webhook-secret-0123456789, re-signed by the tests), and the local token key set (LOCAL_TOKEN_JWKS: home-api
# verifies `make token`'s tokens itself, as start-api runs no JWT authorizer).
# sam local passes only variables template.yaml declares.
infra-sam-env:
	@test -f $(INFRA_ROOT)/.local/stack.env || { echo "no .local/stack.env: run infra/local/stack.sh start first" >&2; exit 1; }
	set -a && . $(INFRA_ROOT)/.local/stack.env && set +a && \
	LOCAL_TOKEN_JWKS="$$(cd $(INFRA_ROOT) && go run ./infra/cmd/token -jwks)" && export LOCAL_TOKEN_JWKS && python3 -c 'import json, os; \
	  p = {k: os.environ[k] for k in ("DYNAMODB_ENDPOINT", "SQS_ENDPOINT", "TABLE_NAME", "EVENTS_QUEUE_URL", "DLQ_URL", "METRICS_WORK_QUEUE_URL", "LOCAL_TOKEN_JWKS")}; \
	  p.update(SENTIMENT_PROVIDER="offline", LOG_LEVEL="debug", PRODUCER_SECRETS_JSON=json.dumps({"demo": "demo-webhook-secret-0123456789"}), \
	           META_APP_SECRET="local-meta-app-secret", META_VERIFY_TOKEN="local-meta-verify-token", \
	           PRODUCER_SECRETS_PARAM="", META_APP_SECRET_PARAM="", META_VERIFY_TOKEN_PARAM=""); \
	  print(json.dumps({"Parameters": p}, indent=2))' > $(INFRA_ROOT)/.local/sam-env.json
	@echo "wrote .local/sam-env.json"

infra-clean:
	rm -rf $(INFRA_SYNTH_DIR) $(INFRA_ROOT)/.aws-sam $(INFRA_ROOT)/bin
