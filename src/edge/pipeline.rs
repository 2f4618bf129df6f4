//! The image request path, as named steps: policy → cache lookup → upstream fetch → plan →
//! transform or stream → answer → cache store.

use std::rc::Rc;

use worker::{Context, Env, Request, Response};

use super::body::{read_capped, Body, Spill};
use super::upstream::{self, Conditions, Target, Upstream};
use super::{cache, now_ms, respond, room};
use crate::browser::{content_disposition, extension};
use crate::budget::{Reservation, Shortfall};
use crate::cache_key::{large_source_path, CacheKey};
use crate::cache_policy::{storage, LargeSource, OriginCaching};
use crate::coalesce::{Flights, Role};
use crate::config::Config;
use crate::error::ProxyError;
use crate::etag::{derived_etag, etag_matches, strong_etag, Validators};
use crate::negotiate::FormatRequest;
use crate::options::OnError;
use crate::plan::is_noop;
use crate::plan::{plan, Plan};
use crate::route::ImageRequest;
use crate::security::check_request;
use crate::stats;
use crate::transform::{describe, prepare};

/// What one image request needs to know about itself, worked out once.
struct Job {
    image: ImageRequest,
    format: FormatRequest,
    if_none_match: Option<String>,
    /// The client's `Range`, forwarded to the origin for pass-through.
    range: Option<String>,
    /// Signed without expiry: the answer may be sent `immutable`.
    immutable: bool,
    /// What the answer is: source, canonical options, format class, engine version.
    key: CacheKey,
    /// Cache API URL of the transformed image.
    key_url: String,
    /// Cache API URL of the "this source is too large" mark.
    large_mark: String,
}

/// An image just made, as the leader of identical misses shares it with its followers.
#[derive(Clone)]
struct Made {
    body: Rc<Vec<u8>>,
    content_type: &'static str,
    caching: OriginCaching,
    validators: Validators,
    server_timing: String,
}

thread_local! {
    /// Identical misses in flight in this isolate.
    static FLIGHTS: Rc<Flights<Made>> = Rc::new(Flights::default());
}

/// Answers one image request.
pub async fn run(
    req: &Request,
    image: ImageRequest,
    config: &Config,
    ctx: &Context,
    env: &Env,
) -> Result<Response, ProxyError> {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let format = FormatRequest::new(&image.options, header("accept").as_deref());
    // Cache API keys live under the Worker's own origin.
    let origin = req.url().map_err(super::internal)?.origin().ascii_serialization();
    let key = CacheKey::new(&image.source, &image.options, format);
    let job = Job {
        key_url: format!("{origin}{}", key.path()),
        key,
        large_mark: format!("{origin}{}", large_source_path(&image.source)),
        if_none_match: header("if-none-match"),
        // A range is of the image's bytes; a description is always whole.
        range: header("range")
            .filter(|range| range.trim_start().starts_with("bytes=") && format != FormatRequest::Json),
        immutable: image.signed.signature.is_some() && image.signed.expires.is_none(),
        format,
        image,
    };

    // Policy first: an unsigned or expired URL, or a source that may not be fetched, is not
    // served from the cache either, nor redirected to.
    check_request(&job.image, &config.security, (now_ms() / 1000.0) as u64)?;
    let target = Target::resolve(&job.image.source, config)?;

    // A source the policy allowed may be the answer when it cannot be made into one.
    let location = target.location();
    match answer_allowed(&job, target, config, ctx, env).await {
        Err(err) if job.image.options.onerror == OnError::Redirect && err.may_redirect() => {
            worker::console_error!("{err}; redirecting to the source (onerror=redirect)");
            stats::record(|c| c.errors += 1);
            Ok(respond::redirect(&location))
        }
        answer => answer,
    }
}

/// The request once the policy allowed its source: the edge cache, then the miss path.
async fn answer_allowed(
    job: &Job,
    target: Target,
    config: &Config,
    ctx: &Context,
    env: &Env,
) -> Result<Response, ProxyError> {
    // The edge cache.
    let lookup_started = now_ms();
    let hit = cache::lookup(&job.key_url).await;
    let cache_ms = now_ms() - lookup_started;
    let mut revalidated = None;
    if let Some(mut entry) = hit {
        let now = (now_ms() / 1000.0) as u64;
        let stored = cache::Stored::read(&entry);
        if stored.is_fresh(now) {
            stats::record(|c| c.cache_hits += 1);
            return Ok(from_cache(job, &entry, &stored, "HIT", format!("cache;dur={cache_ms:.0}")));
        }
        // Stale: ask the origin whether the source changed, if we know how to ask.
        let Some(conditions) = stored.conditions() else {
            stats::record(|c| c.cache_misses += 1);
            return fetch_and_answer(job, None, target, config, ctx, env, cache_ms).await;
        };
        match upstream::fetch(env, ctx, target.clone(), config, &conditions, None).await {
            Ok(upstream) if upstream.not_modified => {
                stats::record(|c| c.cache_revalidations += 1);
                let timing = format!("cache;dur={cache_ms:.0}, revalidate;dur={:.0}", upstream.millis);
                let refreshed = cache::refresh(ctx, &job.key_url, &mut entry, stored, now);
                return Ok(from_cache(job, &entry, &refreshed, "REVALIDATED", timing));
            }
            Ok(upstream) => revalidated = Some(upstream),
            // The origin cannot be asked now: the stored answer is better than an error.
            Err(err) => {
                worker::console_error!("revalidation failed, serving the stored answer: {err}");
                stats::record(|c| c.cache_hits += 1);
                return Ok(from_cache(job, &entry, &stored, "STALE", format!("cache;dur={cache_ms:.0}")));
            }
        }
    }
    stats::record(|c| c.cache_misses += 1);
    fetch_and_answer(job, revalidated, target, config, ctx, env, cache_ms).await
}

/// The miss path: (coalesced) upstream fetch, plan, transform or stream, answer, store.
/// `revalidated` is an upstream answer already fetched while revalidating a stale entry.
async fn fetch_and_answer(
    job: &Job,
    revalidated: Option<Upstream>,
    target: Target,
    config: &Config,
    ctx: &Context,
    env: &Env,
    cache_ms: f64,
) -> Result<Response, ProxyError> {
    // Identical misses in this isolate wait for one fetch and one transform.
    let lead = match FLIGHTS.with(|flights| flights.join(&job.key_url)) {
        Role::Leader(lead) => Some(lead),
        Role::Follower(watch) => {
            stats::record(|c| c.coalesced_waiters += 1);
            match room::outcome(&watch).await {
                Some(made) => return Ok(fresh(job, made, config, None)),
                // The leader passed the source through, failed or was cancelled: go alone.
                None => None,
            }
        }
    };

    // The upstream, then the plan: read it into memory, or pass it through.
    let range: Conditions = job.range.iter().map(|range| ("range", range.clone())).collect();
    // What an earlier request learned of a source too large to transform: looked up on the
    // miss path only, so a cache hit costs one lookup.
    let (upstream, large, cache_ms) = match revalidated {
        Some(upstream) => (upstream, None, cache_ms),
        None => {
            let recall_started = now_ms();
            let large = cache::recall_large(&job.large_mark).await;
            let cache_ms = cache_ms + (now_ms() - recall_started);
            let edge_ttl = large.and_then(|mark| mark.edge_ttl);
            (upstream::fetch(env, ctx, target.clone(), config, &range, edge_ttl).await?, large, cache_ms)
        }
    };
    let upstream = match &upstream.partial {
        // A range of a source small enough to transform: transforming needs all of it.
        Some(partial) if partial.total.is_some_and(|total| total <= config.transform_max_bytes) => {
            upstream::fetch(env, ctx, target, config, &Conditions::new(), None).await?
        }
        _ => upstream,
    };
    let mut timing = format!("cache;dur={cache_ms:.0}, fetch;dur={:.0}", upstream.millis);
    if upstream.partial.is_some() {
        return pass_through(upstream, &timing, config);
    }
    // The client already has this version of the answer: its ETag follows from the source's
    // validator, so neither the body nor a pixel is needed.
    if let Some(answer) = not_modified_early(job, &upstream, config, &timing) {
        return Ok(answer);
    }
    let decided = plan(upstream.content_length, config.transform_max_bytes, large.is_some());
    if large.is_some() && decided == Plan::PassThrough {
        timing.push_str(", plan;desc=\"known too large\"");
    }
    let (source, _source_held) = match decided {
        Plan::PassThrough if job.format == FormatRequest::Json => return Err(too_large_to_read(config)),
        Plan::PassThrough => {
            if large.is_none() {
                remember_large(job, &upstream, config, ctx);
            }
            return pass_through(upstream, &timing, config);
        }
        Plan::Buffer { cap } => {
            // A declared length is reserved before reading; an unknown one as it arrives.
            let held = match upstream.content_length {
                None => Reservation::empty(),
                Some(length) => match room::reserve(length).await {
                    Ok(held) => held,
                    Err(_) => {
                        no_room(job)?;
                        timing.push_str(", plan;desc=\"no room in the memory budget\"");
                        return pass_through(upstream, &timing, config);
                    }
                },
            };
            match read_capped(&upstream.response, cap, held).await? {
                Body::Complete { bytes, held, reads } => {
                    timing.push_str(&format!(", read;desc=\"{} bytes in {reads} reads\"", bytes.len()));
                    (bytes, held)
                }
                Body::Spilled(spilled)
                    if spilled.why == Spill::TooLarge && job.format == FormatRequest::Json =>
                {
                    return Err(too_large_to_read(config))
                }
                Body::Spilled(spilled) => {
                    check_image_type(&upstream)?;
                    if spilled.why == Spill::NoRoom {
                        no_room(job)?;
                    } else {
                        stats::record(|c| c.passthroughs += 1);
                        remember_large(job, &upstream, config, ctx);
                    }
                    return Ok(respond::passthrough_stream(
                        &upstream.response,
                        spilled.into_stream(ctx),
                        &timing,
                    ));
                }
            }
        }
    };

    // format=json: the source's header is the answer.
    if job.format == FormatRequest::Json {
        let description = describe(&source, &job.image.options)?;
        let made = Made {
            body: Rc::new(serde_json::to_vec(&description).map_err(super::internal)?),
            content_type: "application/json",
            caching: upstream.caching,
            validators: upstream.validators.clone(),
            server_timing: format!("{timing}, transform;desc=\"json from the header\""),
        };
        return Ok(share_and_answer(job, made, lead, config, ctx));
    }

    // Transform (or find that nothing needs doing), answer, and store what may be stored.
    let work = prepare(&source, &job.image.options, job.format, config.max_source_pixels)?;
    if is_noop(&job.image.options, work.info(), work.keeps_format(), work.canvas()) {
        {
            timing.push_str(", transform;desc=\"none needed: the source as it is\"");
            let content_type = work.info().format.mime();
            let made = Made {
                body: Rc::new(source),
                content_type,
                caching: upstream.caching,
                validators: upstream.validators.clone(),
                server_timing: timing,
            };
            return Ok(share_and_answer(job, made, lead, config, ctx));
        }
    }
    // The pixels' room in the budget, reserved before a pixel is decoded.
    let mut pixels_held = match room::reserve(work.memory_bytes()).await {
        Ok(held) => held,
        Err(Shortfall::NeverFits { wanted, capacity }) => {
            return Err(ProxyError::OverMemoryBudget { bytes: wanted, budget: capacity })
        }
        Err(Shortfall::Busy) => {
            no_room(job)?;
            let content_type = work.info().format.mime();
            timing.push_str(", transform;desc=\"skipped: no room in the memory budget\"");
            return Ok(untouched(job, source, content_type, timing));
        }
    };
    let encoded = work.run(|extra| pixels_held.try_grow(extra).is_ok())?;
    drop(pixels_held);
    stats::record(|c| c.transforms += 1);
    let made = Made {
        body: Rc::new(encoded.bytes),
        content_type: encoded.format.mime(),
        caching: upstream.caching,
        validators: upstream.validators.clone(),
        server_timing: format!("{timing}, {}", encoded.report.server_timing()),
    };
    Ok(share_and_answer(job, made, lead, config, ctx))
}

/// Remembers that this job's source is too large to transform, with what its origin allows
/// the platform's fetch cache to do with it.
fn remember_large(job: &Job, upstream: &Upstream, config: &Config, ctx: &Context) {
    let mark = LargeSource::new(upstream.content_length, &upstream.caching, config);
    cache::remember_large(ctx, job.large_mark.clone(), &mark, config.cache_ttl_seconds);
}

/// `format=json` describes sources that are read whole; one too large to read is refused
/// rather than passed through, since the client asked for JSON.
fn too_large_to_read(config: &Config) -> ProxyError {
    ProxyError::SourceTooLarge { limit: config.transform_max_bytes }
}

/// `304 Not Modified` when the client's `If-None-Match` names the answer for the source
/// version the upstream just announced; the body is left unread (and so cancelled).
fn not_modified_early(job: &Job, upstream: &Upstream, config: &Config, timing: &str) -> Option<Response> {
    let etag = derived_etag(&job.key, &upstream.validators.version()?);
    if !job.if_none_match.as_deref().is_some_and(|header| etag_matches(header, &etag)) {
        return None;
    }
    stats::record(|c| c.not_modified_unread += 1);
    let storage = storage(&upstream.caching, 0, config, job.immutable);
    let meta = respond::ImageHeaders {
        content_type: "",
        etag: &etag,
        cache_control: storage.client_cache_control,
        age: None,
        x_cache: "MISS",
        vary_accept: job.format.varies_on_accept(),
        server_timing: format!("{timing}, transform;desc=\"none: the client has this version\""),
        disposition: String::new(),
    };
    Some(respond::not_modified(&meta))
}

/// The answer's `ETag`: derived from the source's version when it names one (so that a
/// client's `If-None-Match` can be answered from the upstream's headers alone), else a
/// digest of the body.
fn answer_etag(job: &Job, validators: &Validators, body: &[u8]) -> String {
    match validators.version() {
        Some(version) => derived_etag(&job.key, &version),
        None => strong_etag(body),
    }
}

/// Hands `made` to the requests waiting for it, then answers and stores it.
fn share_and_answer(
    job: &Job,
    made: Made,
    lead: Option<crate::coalesce::Lead<Made>>,
    config: &Config,
    ctx: &Context,
) -> Response {
    if let Some(lead) = lead {
        lead.share(made.clone());
    }
    fresh(job, made, config, Some(ctx))
}

/// When the budget has no room: `Ok` (counted) if the source may go untouched instead,
/// 503 if this request must be transformed.
fn no_room(job: &Job) -> Result<(), ProxyError> {
    if job.image.options.must_transform() {
        stats::record(|c| c.budget_refusals += 1);
        return Err(ProxyError::Busy { retry_after_seconds: room::RETRY_AFTER_SECONDS });
    }
    stats::record(|c| c.budget_passthroughs += 1);
    Ok(())
}

/// The source's own bytes, read but not transformed for want of memory: neither stored nor
/// to be kept by the client, since the next request may well be transformed.
fn untouched(job: &Job, body: Vec<u8>, content_type: &'static str, server_timing: String) -> Response {
    let meta = respond::ImageHeaders {
        content_type,
        etag: &strong_etag(&body),
        cache_control: "no-store".into(),
        age: None,
        x_cache: "BYPASS",
        vary_accept: job.format.varies_on_accept(),
        server_timing,
        disposition: content_disposition(&job.image.source, extension(content_type)),
    };
    respond::image(body, &meta)
}

/// The answer from a stored entry: `HIT`, `REVALIDATED` (stale, and the origin said the
/// source is unchanged) or `STALE` (stale, and the origin could not be asked).
fn from_cache(
    job: &Job,
    entry: &Response,
    stored: &cache::Stored,
    x_cache: &'static str,
    server_timing: String,
) -> Response {
    let now = (now_ms() / 1000.0) as u64;
    let max_age = format!("public, max-age={}", stored.ttl);
    let meta = respond::ImageHeaders {
        content_type: &stored.content_type,
        etag: &stored.etag,
        // What was decided when the entry was stored, and how long ago.
        cache_control: if job.immutable { format!("{max_age}, immutable") } else { max_age },
        age: Some(now.saturating_sub(stored.stored_at)),
        x_cache,
        vary_accept: job.format.varies_on_accept(),
        server_timing,
        disposition: content_disposition(&job.image.source, extension(&stored.content_type)),
    };
    answer_image(job.if_none_match.as_deref(), &meta, |meta| respond::cached(entry, meta))
}

/// The answer for a body just made. The request that made it (`store` is its context)
/// stores it in the edge cache after the answer has gone, when the origin and the size
/// allow; requests that waited for it only answer.
fn fresh(job: &Job, made: Made, config: &Config, store: Option<&Context>) -> Response {
    let etag = answer_etag(job, &made.validators, &made.body);
    let storage = storage(&made.caching, made.body.len() as u64, config, job.immutable);
    let server_timing = match store {
        Some(_) => made.server_timing,
        None => format!("coalesced;desc=\"waited for an identical request\", {}", made.server_timing),
    };
    let meta = respond::ImageHeaders {
        content_type: made.content_type,
        etag: &etag,
        cache_control: storage.client_cache_control.clone(),
        age: None,
        x_cache: if storage.ttl.is_some() { "MISS" } else { "BYPASS" },
        vary_accept: job.format.varies_on_accept(),
        server_timing,
        disposition: content_disposition(&job.image.source, extension(made.content_type)),
    };
    // The bytes themselves once the followers have theirs, a copy while they still hold them.
    let body = Rc::try_unwrap(made.body).unwrap_or_else(|shared| shared.as_ref().clone());
    if let (Some(ttl), Some(ctx)) = (storage.ttl, store) {
        let stored = cache::Stored::new(made.content_type, &etag, ttl, made.validators.clone());
        cache::store(ctx, job.key_url.clone(), body.clone(), &stored);
    }
    answer_image(job.if_none_match.as_deref(), &meta, move |meta| respond::image(body, meta))
}

/// 304 when the client already has this ETag, otherwise the full answer.
fn answer_image(
    if_none_match: Option<&str>,
    meta: &respond::ImageHeaders,
    full: impl FnOnce(&respond::ImageHeaders) -> Response,
) -> Response {
    if if_none_match.is_some_and(|header| etag_matches(header, meta.etag)) {
        respond::not_modified(meta)
    } else {
        full(meta)
    }
}

/// A source too large to transform (or a range of it), handed on untouched.
fn pass_through(upstream: Upstream, timing: &str, config: &Config) -> Result<Response, ProxyError> {
    check_image_type(&upstream)?;
    let whole = upstream.partial.as_ref().map_or(upstream.content_length, |partial| partial.total);
    if let (Some(limit), Some(length)) = (config.security.passthrough_max_bytes, whole) {
        if length > limit {
            return Err(ProxyError::SourceTooLarge { limit });
        }
    }
    let declared = upstream.content_length.unwrap_or(0);
    stats::record(|c| {
        c.passthroughs += 1;
        c.passthrough_bytes += declared;
    });
    Ok(respond::passthrough(upstream.response, timing))
}

/// A pass-through body is not inspected, so its declared type must at least be an image; an
/// image proxy is not a general-purpose relay. SVG is refused: it can carry scripts.
fn check_image_type(upstream: &Upstream) -> Result<(), ProxyError> {
    let content_type = upstream.content_type.as_deref().unwrap_or("").to_ascii_lowercase();
    if content_type.starts_with("image/") && !content_type.starts_with("image/svg") {
        Ok(())
    } else {
        Err(ProxyError::NotAnImage)
    }
}
