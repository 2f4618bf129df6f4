//! The image request path, as named steps: policy → cache lookup → upstream fetch → plan →
//! transform or stream → answer → cache store.

use worker::{Context, Env, Request, Response};

use super::body::{read_capped, spill_stream, Body};
use super::upstream::{self, Target, Upstream};
use super::{cache, now_ms, respond};
use crate::browser::{content_disposition, extension};
use crate::cache_key::{large_source_path, CacheKey};
use crate::cache_policy::storage;
use crate::config::Config;
use crate::error::ProxyError;
use crate::etag::{etag_matches, strong_etag};
use crate::negotiate::FormatRequest;
use crate::plan::{plan, Plan};
use crate::route::ImageRequest;
use crate::security::check_request;
use crate::stats;
use crate::transform::{transform, Outcome};

/// What one image request needs to know about itself, worked out once.
struct Job {
    image: ImageRequest,
    format: FormatRequest,
    if_none_match: Option<String>,
    /// Cache API URL of the transformed image.
    key_url: String,
    /// Cache API URL of the "this source is too large" mark.
    large_mark: String,
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
    let format = FormatRequest::new(image.options.format, header("accept").as_deref());
    // Cache API keys live under the Worker's own origin.
    let origin = req.url().map_err(super::internal)?.origin().ascii_serialization();
    let job = Job {
        key_url: format!("{origin}{}", CacheKey::new(&image.source, &image.options, format).path()),
        large_mark: format!("{origin}{}", large_source_path(&image.source)),
        if_none_match: header("if-none-match"),
        format,
        image,
    };

    // Policy first: an unsigned or expired URL, or a source that may not be fetched, is not
    // served from the cache either.
    check_request(&job.image, config, (now_ms() / 1000.0) as u64)?;
    let target = Target::resolve(&job.image.source, config)?;

    // The edge cache.
    let lookup_started = now_ms();
    let hit = cache::lookup(&job.key_url).await;
    let cache_ms = now_ms() - lookup_started;
    if let Some(entry) = hit {
        stats::record(|c| c.cache_hits += 1);
        return Ok(from_cache(&job, &entry, cache_ms));
    }
    stats::record(|c| c.cache_misses += 1);

    // The upstream, then the plan: read it into memory, or pass it through.
    let mut upstream = upstream::fetch(env, target, config).await?;
    // Only a source without a declared length can have been marked too large: the others
    // skip this lookup.
    let known_large = upstream.content_length.is_none() && cache::lookup(&job.large_mark).await.is_some();
    let mut timing = format!("cache;dur={cache_ms:.0}, fetch;dur={:.0}", upstream.millis);
    if known_large {
        timing.push_str(", plan;desc=\"known too large\"");
    }
    let (source, _held) = match plan(upstream.content_length, config.transform_max_bytes, known_large) {
        Plan::PassThrough => return pass_through(upstream, &timing),
        Plan::Buffer { cap } => {
            match read_capped(&mut upstream.response, cap, upstream.content_length).await? {
                Body::Complete { bytes, held } => (bytes, held),
                Body::Spilled { prefix, rest, held } => {
                    check_image_type(&upstream)?;
                    stats::record(|c| c.passthroughs += 1);
                    cache::remember_large(ctx, job.large_mark.clone(), config.cache_ttl_seconds);
                    return respond::passthrough_stream(
                        &upstream.response,
                        spill_stream(prefix, rest, held),
                        &timing,
                    );
                }
            }
        }
    };

    // Transform (or find that nothing needs doing), answer, and store what may be stored.
    let (body, content_type) =
        match transform(&source, &job.image.options, job.format, config.max_source_pixels)? {
            Outcome::Original(info) => {
                timing.push_str(", transform;desc=\"none needed: the source as it is\"");
                (source, info.format.mime())
            }
            Outcome::Encoded(encoded) => {
                stats::record(|c| c.transforms += 1);
                timing = format!("{timing}, {}", encoded.report.server_timing());
                (encoded.bytes, encoded.format.mime())
            }
        };
    Ok(fresh(&job, body, content_type, &upstream, timing, config, ctx))
}

/// The answer from a stored entry.
fn from_cache(job: &Job, entry: &Response, cache_ms: f64) -> Response {
    let etag = cache::header(entry, "etag").unwrap_or_default();
    let content_type = cache::header(entry, "content-type").unwrap_or_default();
    let meta = respond::ImageHeaders {
        content_type: &content_type,
        etag: &etag,
        // What was decided when the entry was stored.
        cache_control: cache::header(entry, "cache-control").unwrap_or_default(),
        x_cache: "HIT",
        vary_accept: job.format.varies_on_accept(),
        server_timing: format!("cache;dur={cache_ms:.0}"),
        disposition: content_disposition(&job.image.source, extension(&content_type)),
    };
    answer_image(job.if_none_match.as_deref(), &meta, |meta| respond::cached(entry, meta))
}

/// The answer for a body just made, stored in the edge cache after it has gone when the
/// origin and the size allow.
fn fresh(
    job: &Job,
    body: Vec<u8>,
    content_type: &'static str,
    upstream: &Upstream,
    server_timing: String,
    config: &Config,
    ctx: &Context,
) -> Response {
    let etag = strong_etag(&body);
    let storage = storage(&upstream.caching, body.len() as u64, config);
    let meta = respond::ImageHeaders {
        content_type,
        etag: &etag,
        cache_control: storage.client_cache_control.clone(),
        x_cache: if storage.ttl.is_some() { "MISS" } else { "BYPASS" },
        vary_accept: job.format.varies_on_accept(),
        server_timing,
        disposition: content_disposition(&job.image.source, extension(content_type)),
    };
    if let Some(ttl) = storage.ttl {
        cache::store(ctx, job.key_url.clone(), body.clone(), content_type, &etag, ttl);
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

/// A source too large to transform, handed on untouched.
fn pass_through(upstream: Upstream, timing: &str) -> Result<Response, ProxyError> {
    check_image_type(&upstream)?;
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
