# Every target creates the virtualenv itself; a fresh clone needs only python3 (>= 3.11).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml client/pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: venv demo dev test bench lint format package scan ci clean system-packages

# The AWS region the package targets (cn-north-1 / cn-northwest-1 for the aws-cn partition).
REGION ?= cn-northwest-1
STAGE  ?= prod

$(STAMP): pyproject.toml client/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# chalice 1.34 pins pip<26.3: keep pip inside that range instead of fighting it
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'pip>=23,<26.3'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e './client[pdf]' -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/gateway demo

dev: venv
	$(BIN)/gateway dev

# Three workers on two cores: much of the suite waits (local stacks, browsers, endpoints that
# stall on purpose), and a third worker fills those waits. A test file stays on one worker, so
# the module-scoped stacks and worlds are built once each; files go out slowest first
# (tests/conftest.py). Bytecode is written even where the environment says not to: pytest keeps
# each test module's assertion rewrite there, and re-doing ~400 of them in every worker costs
# ten seconds a run.
test: venv system-packages examples/node/node_modules
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n 3 --dist loadfile --no-loadscope-reorder

# Node.js, a JDK and Chromium from Debian's packages, where missing (the examples' and the docs
# page's tests run them).
system-packages:
	bash infra/system_packages.sh

# The Node.js receiver example's pinned dependencies (tests/e2e/test_examples_verify.py runs it):
# installed when absent or older than the lock file.
examples/node/node_modules: examples/node/package-lock.json
	npm ci --prefix examples/node --no-audit --no-fund
	touch $@

# Throughput, memory and request counts against their references: bench/report.md and .json.
# Sizes and parts are overridable, e.g. BENCH_SIZE=20000 BENCH_PARTS=pipeline,bulk (see bench/).
bench: venv
	$(BIN)/python -m bench.run

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy gateway chalicelib client/gateway_client

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# A deployable CloudFormation template in out/, no AWS credentials needed, checked by cfn-lint.
# vendor/ (git-ignored) puts the domain core gateway/ into the bundle: see infra/bundle.py.
package: venv
	mkdir -p build
	$(BIN)/python -m infra.package build/merge.json
	$(BIN)/python -m infra.bundle vendor
	rm -rf out
	CG_OPERATOR_AUTH=iam AWS_DEFAULT_REGION=$(REGION) $(BIN)/chalice package --stage $(STAGE) \
		--merge-template build/merge.json out
	$(BIN)/python -m infra.finalize out/sam.json
	$(BIN)/python -m infra.precompile out/deployment.zip out/sam.json
	$(BIN)/cfn-lint out/sam.json

# checkov, the policy scanner, on the packaged template (run `make package` first): every check
# passes but those infra/checkov.yaml skips, each with its reason. Its own virtualenv inside
# .venv/ (git-ignored): checkov's many pins would fight the dev dependencies.
SCAN_VENV  := $(VENV)/scan
SCAN_STAMP := $(SCAN_VENV)/.installed-checkov-3.3.30

$(SCAN_STAMP):
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'checkov==3.3.30'
	touch $(SCAN_STAMP)

scan: $(SCAN_STAMP)
	@test -f out/sam.json || { echo "no out/sam.json: run make package first"; exit 1; }
	$(SCAN_VENV)/bin/checkov --config-file infra/checkov.yaml -f out/sam.json

# package before scan and test: the bundle test (pytest -m bundle) runs the fresh out/deployment.zip
ci: lint package scan test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build out vendor
