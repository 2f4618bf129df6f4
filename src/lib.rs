//! edge-image-proxy: an image proxy that runs as a Cloudflare Worker.
//!
//! A request flows one way:
//! request → [`route`] + [`options`] → [`security`] (may this source be fetched?) →
//! cache lookup ([`cache_key`]) → upstream fetch → [`plan`] (transform or pass through) →
//! [`transform`] (decode → geometry → encode) or stream → cache store → response.
//! Every byte held along the way is reserved in the isolate's [`budget`] first.
//!
//! Everything except `edge` is plain Rust with no JavaScript types, tested on the host with
//! `cargo test`. `edge` is the thin adapter onto the Workers runtime and the only module that
//! names the `worker` crate; it is compiled for `wasm32` only.

pub mod browser;
pub mod budget;
pub mod cache_key;
pub mod cache_policy;
pub mod coalesce;
pub mod config;
pub mod error;
pub mod etag;
pub mod negotiate;
pub mod options;
pub mod plan;
pub mod purge;
pub mod reference;
pub mod route;
pub mod security;
pub mod stats;
pub mod transform;

#[cfg(target_arch = "wasm32")]
mod edge;
