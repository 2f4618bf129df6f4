//! End-to-end tests against the real Workers runtime: the built Worker runs in `wrangler dev`
//! (workerd), sources come from a local origin these tests control, and every assertion is on
//! real HTTP — dimensions and decodability, cache status, byte-identical pass-through,
//! problem+json statuses for every failure, and a Worker that keeps serving after each.
//!
//! One module per concern, each opening with what it enforces; the harness apart. Load and soak
//! are test binaries of their own (`tests/load.rs`, `tests/soak.rs`: `make load`, `make soak`).
//!
//! Run by `make test` (`cargo test --test e2e -- --ignored` after `make build build-panic`).
#![cfg(not(target_arch = "wasm32"))]
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod harness;

mod animation;
mod answers;
mod browsers;
mod cache;
mod client_hints;
mod cloudflare_options;
mod coalescing;
mod conditional;
mod corpus;
mod cpu_budget;
mod damaged_jpegs;
mod failures;
mod formats;
mod imperfect_animations;
mod overlays;
mod panic;
mod passthrough;
mod purge;
mod r2_source;
mod readme_commands;
mod resize;
mod routes;
mod security;
mod source_formats;
mod streaming;
mod tier;
mod warm;
mod workers_cache;
