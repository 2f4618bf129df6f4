//! Fetching the source: from the static assets, from `ORIGIN_URL`, from the `SOURCE_BUCKET`
//! R2 bucket, or from an allowed absolute URL. Redirects are followed by hand so that every hop passes the gate
//! ([`next_hop`]);
//! the whole exchange up to the response headers is bounded by `UPSTREAM_TIMEOUT_MS`, and
//! the body is read through a [`guard`] that bounds silences, chunks and lengths.

use std::pin::pin;
use std::time::Duration;

use futures_util::future::{select, Either};
use url::Url;
use wasm_bindgen::JsValue;
use worker::web_sys;
use worker::{
    AbortController, Context, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response,
    ResponseBody,
};

use super::guard::{guard, Limits};
use super::{internal, now_ms, Cx};
use crate::cache_policy::OriginCaching;
use crate::config::Config;
use crate::error::ProxyError;
use crate::etag::Validators;
use crate::plan::Partial;
use crate::security::{next_hop, Target, ASSETS_ORIGIN, MAX_REDIRECTS};

/// A successful upstream answer, body not yet read.
pub struct Upstream {
    /// The response, status 2xx.
    pub response: Response,
    /// The declared body length, if any.
    pub content_length: Option<u64>,
    /// The declared type, if any.
    pub content_type: Option<String>,
    /// What the origin said about caching.
    pub caching: OriginCaching,
    /// Milliseconds until the headers arrived.
    pub millis: f64,
    /// Set when the upstream answered a forwarded `Range` with `206 Partial Content`.
    pub partial: Option<Partial>,
    /// The upstream answered a revalidation `304 Not Modified`: the stored answer stands.
    pub not_modified: bool,
    /// The source's own validators, kept with a stored answer for revalidating it.
    pub validators: Validators,
}

/// Request headers sent to the upstream: a client's `Range`, or a stored source's validators
/// (`If-None-Match`, `If-Modified-Since`) when revalidating.
pub type Conditions = Vec<(&'static str, String)>;

/// Fetches the target, following redirects that the gate allows, with `conditions`.
/// `edge_ttl` asks the platform's fetch cache to keep a network source for that many seconds
/// (`cf.cacheTtl`): given for sources known to pass through, which our cache never holds.
pub async fn fetch(
    cx: &Cx<'_>,
    mut target: Target,
    conditions: &Conditions,
    edge_ttl: Option<u32>,
) -> Result<Upstream, ProxyError> {
    let started = now_ms();
    for _ in 0..=MAX_REDIRECTS {
        let response = fetch_target(cx, &target, conditions, edge_ttl, started).await?;
        let status = response.status_code();
        if !(300..400).contains(&status) || status == 304 {
            return accept(response, started, cx.config, cx.ctx);
        }
        let location = response.headers().get("location").ok().flatten();
        target = next_hop(&target, status, location.as_deref(), &cx.config.security)?;
    }
    Err(ProxyError::TooManyRedirects { limit: MAX_REDIRECTS })
}

/// One request to the target, redirects not followed: a static asset from the `ASSETS`
/// binding, an object of `SOURCE_BUCKET`, or a URL within what is left of
/// `UPSTREAM_TIMEOUT_MS` since `started`.
async fn fetch_target(
    cx: &Cx<'_>,
    target: &Target,
    conditions: &Conditions,
    edge_ttl: Option<u32>,
    started: f64,
) -> Result<Response, ProxyError> {
    match target {
        Target::Assets(path) => {
            let assets = cx.env.assets("ASSETS").map_err(internal)?;
            let url = format!("{ASSETS_ORIGIN}{path}");
            assets.fetch(url, Some(request_init(conditions)?)).await.map_err(internal)
        }
        Target::Bucket(key) => super::bucket::read_source(cx.env, key, conditions).await,
        Target::Url(url) => {
            let timeout_ms = cx.config.upstream_timeout.as_millis() as u64;
            let remaining = (timeout_ms as f64 - (now_ms() - started)).max(0.0);
            fetch_once(url, conditions, edge_ttl, remaining, timeout_ms).await
        }
    }
}

/// A GET that follows no redirect, with `conditions` as headers.
fn request_init(conditions: &Conditions) -> Result<RequestInit, ProxyError> {
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_redirect(RequestRedirect::Manual);
    let headers = Headers::new();
    for (name, value) in conditions {
        headers.set(name, value).map_err(|e| ProxyError::BadOptions(format!("{name} header: {e}")))?;
    }
    init.with_headers(headers);
    Ok(init)
}

async fn fetch_once(
    url: &Url,
    conditions: &Conditions,
    edge_ttl: Option<u32>,
    remaining_ms: f64,
    timeout_ms: u64,
) -> Result<Response, ProxyError> {
    let init: web_sys::RequestInit = (&request_init(conditions)?).into();
    if let Some(ttl) = edge_ttl {
        set_edge_ttl(&init, ttl)?;
    }
    let request = web_sys::Request::new_with_str_and_init(url.as_str(), &init).map_err(|e| {
        ProxyError::UpstreamFailed(format!(
            "{url}: {}",
            e.as_string().unwrap_or_else(|| "bad request".into())
        ))
    })?;
    let request = Request::from(request);
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let answer = pin!(fetch.send_with_signal(&signal));
    let timer = pin!(Delay::from(Duration::from_millis(remaining_ms as u64)));
    match select(answer, timer).await {
        Either::Left((result, _)) => result.map_err(|e| ProxyError::UpstreamFailed(format!("{url}: {e}"))),
        Either::Right(_) => {
            controller.abort();
            Err(ProxyError::UpstreamTimeout { millis: timeout_ms })
        }
    }
}

/// Sets `cf: {cacheEverything: true, cacheTtl: ttl}` on a request. Set by hand rather than
/// through `worker::CfProperties`, whose conversion also sends every other `cf` property
/// with a default of its own (an empty `cacheKey` among them).
fn set_edge_ttl(init: &web_sys::RequestInit, ttl: u32) -> Result<(), ProxyError> {
    let cf = js_sys::Object::new();
    let set = |object: &JsValue, name: &str, value: &JsValue| {
        js_sys::Reflect::set(object, &JsValue::from_str(name), value)
            .map(|_| ())
            .map_err(|_| ProxyError::Internal(format!("cannot set cf.{name}")))
    };
    set(cf.as_ref(), "cacheEverything", &JsValue::TRUE)?;
    set(cf.as_ref(), "cacheTtl", &JsValue::from(ttl))?;
    set(init.as_ref(), "cf", cf.as_ref())
}

/// Keeps a 2xx answer, its body behind a guard; mirrors 4xx; turns anything else into a 502.
fn accept(response: Response, started: f64, config: &Config, ctx: &Context) -> Result<Upstream, ProxyError> {
    let status = response.status_code();
    match status {
        200..=299 | 304 => {
            let header = |name: &str| response.headers().get(name).ok().flatten();
            let validators = Validators { etag: header("etag"), last_modified: header("last-modified") };
            let content_length = header("content-length").and_then(|v| v.trim().parse().ok());
            let partial =
                (status == 206).then(|| Partial::parse(&header("content-range").unwrap_or_default()));
            Ok(Upstream {
                content_type: header("content-type"),
                caching: OriginCaching::parse(
                    header("cache-control").as_deref(),
                    header("set-cookie").is_some(),
                ),
                millis: now_ms() - started,
                partial,
                not_modified: status == 304,
                validators,
                response: guarded(response, content_length, config, ctx),
                content_length,
            })
        }
        400..=499 => Err(ProxyError::UpstreamRefused(status)),
        _ => Err(ProxyError::UpstreamFailed(format!("upstream answered {status}"))),
    }
}

/// The same response with its body behind a guard. With nothing for a guard to enforce (no
/// idle timeout, no byte limit), the body is left as it is: a pass-through then goes from the
/// upstream to the client natively, and the runtime itself fails a body that breaks off.
fn guarded(response: Response, declared: Option<u64>, config: &Config, ctx: &Context) -> Response {
    let ResponseBody::Stream(body) = response.body() else { return response };
    if config.upstream_idle_timeout.is_none() && config.security.passthrough_max_bytes.is_none() {
        return response;
    }
    let limits = Limits {
        idle_ms: config.upstream_idle_timeout.map_or(0, |idle| idle.as_millis() as u64),
        max_bytes: config.security.passthrough_max_bytes,
        declared,
    };
    let body = guard(body, limits, ctx);
    Response::builder()
        .with_status(response.status_code())
        .with_headers(response.headers().clone())
        .stream(body)
}
