//! edge-image-proxy: an image proxy that runs as a Cloudflare Worker.
//!
//! An image request flows one way, as named steps (`edge::image`):
//! [`route`] + [`options`] parse it into a [`job`] → [`security::admit`] (may this URL be
//! served, and where is its source?) → edge-cache lookup ([`cache_key`]) and revalidation →
//! on a miss: coalesce identical requests, fetch, [`plan::plan`] (pass through, read to
//! transform or describe, refuse) → read the body or stream it → make the answer
//! ([`transform`]: decode → geometry → encode) → answer (every header from [`answer`]) →
//! store. Every byte held along the way is reserved in the isolate's [`budget`] first.
//!
//! Everything except `edge` is plain Rust with no JavaScript types, tested on the host with
//! `cargo test`. `edge` is the thin adapter onto the Workers runtime and the only module that
//! names the `worker` crate; it is compiled for `wasm32` only.
//!
//! The modules form layers, lowest first. A module imports only from its own layer and the
//! layers below, never round in a circle (`tests/layering.rs` holds the code to this list):
//!
//! 1. base: error, format, stats, coalesce — the vocabulary and counters everything shares
//! 2. input: options, route, budget — requests parsed into validated types; the memory budget
//! 3. rules: bucket, negotiate, transform, security, browser, hints — pure work on one
//!    request: R2 reads as HTTP, the format, the pixels, the gate, what browsers need and what
//!    their hints ask for
//! 4. configuration: config — every variable parsed once, into the types the layers below own
//! 5. derived: cache_key, etag, cache_policy, purge, reference — what answers are keyed,
//!    validated, stored and documented by
//! 6. decisions: plan, job, answer, make, warm — what to do with a request, or with variants
//!    to make ahead, and what to answer, as pure functions
//! 7. runtime: edge — the Workers runtime, which carries the decisions out

pub mod answer;
pub mod browser;
pub mod bucket;
pub mod budget;
pub mod cache_key;
pub mod cache_policy;
pub mod coalesce;
pub mod config;
pub mod error;
pub mod etag;
pub mod format;
pub mod hints;
pub mod job;
pub mod make;
pub mod negotiate;
pub mod options;
pub mod plan;
pub mod purge;
pub mod reference;
pub mod route;
pub mod security;
pub mod stats;
pub mod transform;
pub mod warm;

#[cfg(target_arch = "wasm32")]
mod edge;
