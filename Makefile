# One entry point: `make dev` runs the proxy locally, `make test` runs every test.
# Tools come from registries only and are pinned (scripts/install-tools.sh): make dev installs
# what running needs (.tools.env), make test also what only the tests use (.tools-test.env).
SHELL := bash
.SHELLFLAGS := -e -o pipefail -c
.DEFAULT_GOAL := help

# node_modules/.bin first: it holds Node 22 (wrangler needs it), wrangler and esbuild.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# Nothing phones home from a build or test machine.
export WRANGLER_SEND_METRICS := false
export CLOUDFLARE_CF_FETCH_ENABLED := false
export WRANGLER_ARGS ?=
# The port make dev serves on (make dev PORT=8790). Set on make's command line only: wrangler
# refuses a second --port, so WRANGLER_ARGS must not carry one, and an environment's PORT
# (which many hosts set for their own use) is not taken.
PORT = 8787

RUST_SOURCES := $(shell find src vendor -name '*.rs') $(wildcard vendor/*/Cargo.toml) Cargo.toml Cargo.lock .cargo/config.toml

.PHONY: help dev test build build-panic fuzz fuzz-smoke load soak bench profile transform-times watermark-time lint test-host test-wasm test-e2e test-browser deploy-dry-run samples clean

help:
	@echo "make dev    run the proxy at http://127.0.0.1:$(PORT) (wrangler dev; PORT=8790 for another port, WRANGLER_ARGS passes extra arguments)"
	@echo "make test   run every test: host, Wasm, end-to-end in workerd, deploy dry run"
	@echo "make soak   memory figures: 200 MiB pass-through, 5,000 mixed requests (not in make test)"
	@echo "make bench  ours against @cf-wasm/photon, wasm-image-optimization and sharp; writes bench/results.md"
	@echo "make profile  where ours' CPU time goes on flower → 720 px JPEG, stage by stage (V8's profiler)"
	@echo "make transform-times  AVIF and animated GIF times in workerd (not in make test)"
	@echo "make watermark-time  what a 200x50 PNG watermark adds to a 720 px JPEG in workerd (not in make test)"

## Tools: the pinned versions, installed once per machine (see scripts/install-tools.sh).
## What building and running needs; what only the tests use (clippy, rustfmt, cargo-fuzz,
## Chromium), which make dev never waits for.
.tools.env: scripts/install-tools.sh Cargo.lock package.json package-lock.json
	scripts/install-tools.sh run
.tools-test.env: scripts/install-tools.sh
	scripts/install-tools.sh test

## The Worker bundle, rebuilt only when a Rust source changed. The tools are an order-only
## prerequisite: their versions follow Cargo.lock, already in RUST_SOURCES, so a change to the
## install script alone changes nothing the build makes.
build: build/index.js
build/index.js: $(RUST_SOURCES) | .tools.env
	source .tools.env && WASM_BINDGEN_BIN="$$WASM_BINDGEN_BIN" ESBUILD_BIN="$(CURDIR)/node_modules/.bin/esbuild" \
	  "$$WORKER_BUILD_BIN" --release --no-opt
	@touch build/index.js

## The same Worker with a /debug/panic route, for the e2e test of panic recovery only.
build-panic: build-panic/index.js
build-panic/index.js: $(RUST_SOURCES) | .tools.env
	source .tools.env && WASM_BINDGEN_BIN="$$WASM_BINDGEN_BIN" ESBUILD_BIN="$(CURDIR)/node_modules/.bin/esbuild" \
	  "$$WORKER_BUILD_BIN" --release --no-opt --out-dir build-panic -- --features panic-route
	@touch build-panic/index.js

dev: build
	wrangler dev --ip 127.0.0.1 --port $(PORT) --show-interactive-dev-session=false $(WRANGLER_ARGS)

test: lint test-host test-wasm test-e2e test-browser fuzz-smoke deploy-dry-run
	@echo "make test: all passed"

## No warnings, on the host and on the Worker's target (edge/ only compiles for wasm32).
lint: .tools.env .tools-test.env
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib --tests -- -D warnings

test-host: .tools.env
	cargo test

test-wasm: .tools.env
	source .tools.env && CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$$WASM_BINDGEN_TEST_RUNNER" \
	  cargo test --target wasm32-unknown-unknown --test wasm

test-e2e: build build-panic
	cargo test --test e2e -- --ignored --test-threads=4

## Not part of make test: 10,000 mixed requests at concurrency 32 (LOAD_REQUESTS, LOAD_CONCURRENCY).
load: build
	cargo test --release --test load -- --ignored --nocapture

## Not part of make test: the memory design's figures (a few minutes). A 200 MiB pass-through
## with and without Content-Length against the origin directly, from an origin as fast as
## loopback allows and from one paced at 100 MiB/s, with each workerd's CPU time per
## download, then 5,000 mixed requests
## (SOAK_REQUESTS) at concurrency 32 after 200 warm-up requests, on the Worker, on one that
## stores nothing in the cache, on the Worker in workerd alone (no wrangler dev in front), and
## the same sources through a fetch-only Worker (what workerd and wrangler dev grow by
## themselves); prints lines starting "soak".
soak: build
	cargo test --release --test soak -- --ignored --test-threads=1 --nocapture

## Not part of make test: median times in workerd of AVIF beside JPEG and WebP, and of
## animated GIF (about a minute); see bench/transform-times.sh.
transform-times: build
	bench/transform-times.sh

## Not part of make test: the median latency a 200x50 PNG watermark adds to the flower made a
## 720 px JPEG, in workerd (about a minute); writes bench/watermark.md.
watermark-time: build
	bench/watermark.sh

## Not part of make test: ours, @cf-wasm/photon and wasm-image-optimization in workerd, sharp in
## Node and a plain origin on the same inputs (about 15 minutes): latency, CPU time per request
## and throughput, then cold start in workerd alone; writes bench/results.md and .svg.
## BENCH_WORKLOADS=flower-720-jpeg,flower-320-webp measures those only (into bench/.work/results.md).
## bench/ has its own pinned npm packages, installed again only when its lockfile changed.
bench: build
	[ bench/node_modules/.package-lock.json -nt bench/package-lock.json ] || \
	  npm ci --prefix bench --no-audit --no-fund --loglevel=error
	node bench/run.mjs

## Not part of make test: V8's CPU profile of flower → 720 px JPEG in workerd (20 requests),
## self time per stage; PROFILE_OPTIONS=width=320,format=webp,quality=80 for another transform.
## See bench/profile.md.
profile: build
	[ bench/node_modules/.package-lock.json -nt bench/package-lock.json ] || \
	  npm ci --prefix bench --no-audit --no-fund --loglevel=error
	node bench/profile.mjs

## The playground and browser behaviour, in Debian's Chromium (screenshots in target/browser/).
test-browser: build .tools-test.env
	node --test --test-reporter=spec --test-concurrency=1 tests/browser/browser.test.mjs

## Fuzzing (fuzz/): libFuzzer through cargo fuzz, on stable Rust (no sanitizer). Each target
## starts from its seeds; decode also reads every file of ../shared/corpus (never copied).
## `make fuzz-smoke` (in make test) runs each briefly; `make fuzz FUZZ_SECONDS=600` for longer.
FUZZ_TARGETS := options source_policy signature decode
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 20
fuzz-smoke: .tools-test.env
	$(MAKE) -s fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

fuzz: .tools-test.env
	source .tools-test.env && cd fuzz && for target in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$target; \
	  seeds=seeds/$$target; [ $$target = decode ] && seeds=../../shared/corpus; \
	  echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
	  "$$CARGO_FUZZ_BIN" fuzz run --sanitizer none $$target corpus/$$target $$seeds -- \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=262144 -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
	    2>&1 | grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|INFO: seed corpus|ERROR|panicked|SUMMARY|Test unit written" \
	    || exit 1; \
	done

## The dry run, then again with every optional binding wrangler.toml shows turned on (its
## commented-out lines between the binding markers, uncommented): what README documents deploys.
deploy-dry-run: build
	wrangler deploy --dry-run --outdir build/dry-run 2>&1 | grep -E "Total Upload|gzip|error" || true
	@echo "gzipped Wasm: $$(gzip -9 -c build/index_bg.wasm | wc -c) bytes"
	sed '/^# --- bindings ---$$/,/^# --- end of bindings ---$$/ s/^#\([^ #-]\)/\1/' wrangler.toml > wrangler.bindings.toml
	wrangler deploy --dry-run --config wrangler.bindings.toml --outdir build/dry-run-bindings \
	  > build/dry-run-bindings.log 2>&1 || { cat build/dry-run-bindings.log; exit 1; }
	grep -E "^env\.[A-Z_]+ \(" build/dry-run-bindings.log | grep -v "Environment Variable"

samples:
	cargo run --release --example make_samples

clean:
	rm -rf build build-panic target .tools.env .tools-test.env
