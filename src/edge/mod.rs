//! The adapter onto the Workers runtime: the only module that names `worker::`.
//!
//! [`fetch`] is the entry point. It routes the request, answers images through the steps in
//! [`image`], and turns every [`ProxyError`] into an `application/problem+json` response, so
//! that `#[event(fetch)]` never sees an `Err` (which it would answer with an opaque 500).
//! [`queue`] is the consumer of the warming queue ([`warm`]).

mod body;
mod bucket;
mod cache;
mod guard;
mod image;
mod overlay;
mod purge;
mod respond;
mod room;
mod tier;
mod upstream;
mod warm;

use std::sync::OnceLock;

use worker::{console_error, event, Context, Env, MessageBatch, Method, Request, Response};

use crate::answer;
use crate::config::Config;
use crate::error::{ConfigError, ProxyError};
use crate::route::{route, Route};
use crate::stats::{self, InFlight, MemoryStats};

#[event(start)]
fn start() {
    // Panics print their message to the log instead of an opaque "unreachable".
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let _in_flight = InFlight::start();
    started_at(); // the first request starts the uptime clock
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let origin = header("origin");
    let response = if req.method() == Method::Options {
        respond::preflight(header("access-control-request-headers").as_deref())
    } else {
        match serve(req, &env, &ctx).await {
            Ok(response) => response,
            Err(err) => {
                console_error!("{err}");
                respond::problem(&err)
            }
        }
    };
    if response.status_code() >= 400 {
        stats::record(|c| c.errors += 1);
    }
    Ok(for_browsers(response, &env, origin.as_deref()))
}

#[event(queue)]
async fn queue(batch: MessageBatch<serde_json::Value>, env: Env, ctx: Context) -> worker::Result<()> {
    // Each message is settled on its own (acknowledged, retried or dead-lettered): the batch
    // itself never fails, since all its messages would then be delivered again.
    warm::consume(batch, &env, &ctx).await;
    Ok(())
}

/// Adds the headers that let pages on other origins read, time and embed the answer
/// ([`answer::for_browsers`]).
fn for_browsers(response: Response, env: &Env, origin: Option<&str>) -> Response {
    let Ok(config) = config(env) else { return response };
    let content_type = respond::header(&response, "content-type");
    let extra = answer::for_browsers(&config.cors_allow_origins, origin, content_type.as_deref());
    respond::with_headers(response, &extra)
}

/// What every step of a request may need: the Worker's bindings, its context and the
/// configuration.
pub struct Cx<'a> {
    /// The bindings (`ASSETS`, and the optional R2 buckets).
    pub env: &'a Env,
    /// For work after the answer (`wait_until`).
    pub ctx: &'a Context,
    /// The configuration, parsed once per isolate.
    pub config: &'static Config,
}

/// Routes one request.
async fn serve(req: Request, env: &Env, ctx: &Context) -> Result<Response, ProxyError> {
    let url = req.url().map_err(|e| ProxyError::BadSource(format!("unreadable request URL: {e}")))?;
    let route = route(url.path(), url.query())?;
    let allowed = match route {
        Route::Purge | Route::Warm => req.method() == Method::Post,
        _ => matches!(req.method(), Method::Get | Method::Head),
    };
    if !allowed {
        return Err(ProxyError::MethodNotAllowed);
    }
    match route {
        Route::Purge => purge::run(req, &Cx { env, ctx, config: config(env)? }).await,
        Route::Warm => warm::enqueue(req, &Cx { env, ctx, config: config(env)? }).await,
        Route::Image(image) => image::run(&req, image, &Cx { env, ctx, config: config(env)? }).await,
        Route::MemoryStats => respond::json(&memory_stats()),
        Route::Reference => respond::json(&crate::reference::reference()),
        #[cfg(feature = "panic-route")]
        #[allow(clippy::panic)] // the point of this test-only route
        Route::Panic => panic!("a deliberate panic from /debug/panic"),
        Route::Static => {
            let assets = env.assets("ASSETS").map_err(internal)?;
            assets.fetch_request(req).await.map_err(internal)
        }
    }
}

/// The configuration, parsed from the Worker's vars once per isolate.
fn config(env: &Env) -> Result<&'static Config, ProxyError> {
    static CONFIG: OnceLock<Result<Config, ConfigError>> = OnceLock::new();
    let lookup = |name: &str| env.var(name).ok().map(|v| v.to_string());
    CONFIG
        .get_or_init(|| {
            Config::from_vars(lookup)
                .and_then(|config| config.with_source_bucket(bucket::has(env, bucket::SOURCE_BUCKET)))
                .inspect(|c| crate::budget::set_capacity(c.buffer_budget_bytes))
        })
        .as_ref()
        .map_err(|e| ProxyError::Config(e.clone()))
}

fn memory_stats() -> MemoryStats {
    let pages = core::arch::wasm32::memory_size(0) as u64;
    let counters = stats::snapshot();
    MemoryStats {
        wasm_memory_bytes: pages * 65_536,
        cache_hit_ratio: stats::hit_ratio(&counters),
        counters,
        uptime_seconds: ((now_ms() - started_at()) / 1000.0).max(0.0) as u64,
    }
}

/// Milliseconds since the epoch. Inside workerd the clock only advances across I/O, so this
/// times fetches and cache calls, never computation.
fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Seconds since the epoch.
fn now_s() -> u64 {
    (now_ms() / 1000.0) as u64
}

fn started_at() -> f64 {
    static STARTED: OnceLock<u64> = OnceLock::new();
    *STARTED.get_or_init(|| now_ms() as u64) as f64
}

fn internal(err: impl std::fmt::Display) -> ProxyError {
    ProxyError::Internal(err.to_string())
}
