//! The image request path, as named steps. Each step carries out what the pure modules
//! decide (the gate in [`crate::security`], the plan in [`crate::plan`], the headers in
//! [`crate::answer`]) and decides nothing itself:
//!
//! admit → lookup → revalidate → on a miss: coalesce → recall → fetch → plan → read or
//! stream → make → answer → store.
//!
//! The store step comes last, after the answer has gone: every cache write is one
//! [`Store`] an answer leaves behind.

use std::rc::Rc;

use worker::{console_error, Request, Response};

use super::body::{read_capped, Body, Spilled};
use super::cache::{self, Store};
use super::upstream::{self, Conditions, Upstream};
use super::{internal, now_ms, now_s, respond, room, Cx};
use crate::answer::{self, Made};
use crate::budget::{Reservation, Shortfall, RETRY_AFTER_SECONDS};
use crate::cache_policy::{LargeSource, Stored};
use crate::coalesce::{Flights, Lead, Role};
use crate::error::ProxyError;
use crate::format::SourceFormat;
use crate::job::{Asked, Job};
use crate::negotiate::FormatRequest;
use crate::plan::{self, Known, Plan, Reading, Then, Why};
use crate::route::ImageRequest;
use crate::security::{self, Target};
use crate::stats;
use crate::transform::{describe, prepare, sniff, svg};

thread_local! {
    /// Identical misses in flight in this isolate.
    static FLIGHTS: Rc<Flights<Made>> = Rc::new(Flights::default());
}

/// An answer, and what to store once it has gone.
struct Answer {
    response: Response,
    store: Option<Store>,
}

impl Answer {
    fn only(response: Response) -> Answer {
        Answer { response, store: None }
    }
}

/// Answers one image request: admit, answer, store.
pub async fn run(req: &Request, image: ImageRequest, cx: &Cx<'_>) -> Result<Response, ProxyError> {
    let job = job(req, image)?;
    // A refused request is not served from the cache either, nor redirected to.
    let target = security::admit(&job.image, &cx.config.security, now_s())?;
    let location = target.location();
    match answer(&job, target, cx).await {
        Ok(Answer { response, store }) => {
            cache::store(cx.ctx, store);
            Ok(response)
        }
        // A source the gate allowed may be the answer when it cannot be made into one.
        Err(err) if job.redirects(&err) => {
            console_error!("{err}; redirecting to the source (onerror=redirect)");
            stats::record(|c| c.errors += 1);
            Ok(respond::redirect(&location))
        }
        Err(err) => {
            if matches!(err, ProxyError::Busy { .. }) {
                stats::record(|c| c.budget_refusals += 1);
            }
            Err(err)
        }
    }
}

/// The request worked out once: its headers read, its cache keys under the Worker's origin.
fn job(req: &Request, image: ImageRequest) -> Result<Job, ProxyError> {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let (accept, if_none_match, range) = (header("accept"), header("if-none-match"), header("range"));
    let asked =
        Asked { accept: accept.as_deref(), if_none_match: if_none_match.as_deref(), range: range.as_deref() };
    let origin = req.url().map_err(internal)?.origin().ascii_serialization();
    Ok(Job::new(image, asked, &origin))
}

/// Lookup → revalidate, then the miss path.
async fn answer(job: &Job, target: Target, cx: &Cx<'_>) -> Result<Answer, ProxyError> {
    let (entry, cache_ms) = lookup(job).await;
    let changed = match entry {
        None => None,
        Some((entry, stored)) => match revalidate(job, entry, stored, &target, cx, cache_ms).await {
            Revalidated::Answered(answer) => return Ok(answer),
            Revalidated::Changed(upstream) => Some(upstream),
            Revalidated::NoValidators => None,
        },
    };
    stats::record(|c| c.cache_misses += 1);
    miss(job, target, changed, cx, cache_ms).await
}

/// Lookup: the stored answer with its metadata, and the milliseconds the cache took.
async fn lookup(job: &Job) -> (Option<(Response, Stored)>, f64) {
    let started = now_ms();
    let entry = cache::lookup(&job.key_url).await;
    let entry = entry.map(|entry| {
        let stored = Stored::read(|name| respond::header(&entry, name));
        (entry, stored)
    });
    (entry, now_ms() - started)
}

/// What revalidating a stored answer came to.
enum Revalidated {
    /// The stored answer is the answer.
    Answered(Answer),
    /// The source changed: its new version, fetched, goes down the miss path.
    Changed(Upstream),
    /// Stale, and the source named no version to ask about: fetched anew.
    NoValidators,
}

/// Revalidate: a fresh entry is the answer. A stale one is checked with its origin, which
/// says the source is unchanged (the entry is stored again as fresh), changed, or cannot be
/// asked (the stale entry is better than an error).
async fn revalidate(
    job: &Job,
    mut entry: Response,
    stored: Stored,
    target: &Target,
    cx: &Cx<'_>,
    cache_ms: f64,
) -> Revalidated {
    let (now, timing) = (now_s(), format!("cache;dur={cache_ms:.0}"));
    if stored.is_fresh(now) {
        stats::record(|c| c.cache_hits += 1);
        return Revalidated::Answered(Answer::only(from_cache(job, &entry, &stored, "HIT", timing)));
    }
    let Some(conditions) = stored.conditions() else { return Revalidated::NoValidators };
    match upstream::fetch(cx, target.clone(), &conditions, None).await {
        Ok(upstream) if upstream.not_modified => {
            stats::record(|c| c.cache_revalidations += 1);
            let stored = Stored { stored_at: now, ..stored };
            // The copy is stored while the entry's own body is answered with.
            let store = entry.cloned().map_err(|e| console_error!("cannot copy a revalidated entry: {e}"));
            let store = store.ok().map(|copy| Store::Refreshed {
                key_url: job.key_url.clone(),
                copy,
                stored: stored.clone(),
            });
            let timing = format!("{timing}, revalidate;dur={:.0}", upstream.millis);
            Revalidated::Answered(Answer {
                response: from_cache(job, &entry, &stored, "REVALIDATED", timing),
                store,
            })
        }
        Ok(upstream) => Revalidated::Changed(upstream),
        Err(err) => {
            console_error!("revalidation failed, serving the stored answer: {err}");
            stats::record(|c| c.cache_hits += 1);
            Revalidated::Answered(Answer::only(from_cache(job, &entry, &stored, "STALE", timing)))
        }
    }
}

/// A stored answer: `304` when the client has it already.
fn from_cache(
    job: &Job,
    entry: &Response,
    stored: &Stored,
    x_cache: &'static str,
    timing: String,
) -> Response {
    let headers = answer::cached(job, stored, x_cache, timing, now_s());
    if job.client_has(&headers.etag) {
        respond::not_modified(&headers.not_modified())
    } else {
        respond::cached(entry, &headers)
    }
}

/// The source as fetched, what is known of it, and what the stages so far did.
struct Fetched {
    upstream: Upstream,
    known: Known,
    timing: String,
}

/// The miss path: coalesce → recall → fetch → plan, then carry the plan out. `changed` is
/// the source as a stale entry's revalidation already fetched it anew.
async fn miss(
    job: &Job,
    target: Target,
    changed: Option<Upstream>,
    cx: &Cx<'_>,
    cache_ms: f64,
) -> Result<Answer, ProxyError> {
    let lead = match coalesce(job).await {
        Coalesced::Shared(made) => return Ok(answer_made(job, made, cx, true)),
        Coalesced::Lead(lead) => Some(lead),
        Coalesced::Alone => None,
    };
    let (upstream, mark, recall_ms) = match changed {
        Some(upstream) => (upstream, None, 0.0),
        None => {
            let (mark, recall_ms) = recall(job).await;
            (fetch(job, &target, mark, cx).await?, mark, recall_ms)
        }
    };
    let (fetched, plan) = plan_for(job, upstream, mark.is_some(), &target, cx).await?;
    let timing = format!("cache;dur={:.0}, fetch;dur={:.0}", cache_ms + recall_ms, fetched.upstream.millis);
    carry_out(job, plan, Fetched { timing, ..fetched }, lead, cx).await
}

/// What coalescing came to.
enum Coalesced {
    /// An identical request made the answer while this one waited.
    Shared(Made),
    /// This request leads: others wait for what it makes.
    Lead(Lead<Made>),
    /// Its leader could not share (it passed the source through, failed, or was cancelled).
    Alone,
}

/// Coalesce: identical misses in this isolate wait for one fetch and one transform.
async fn coalesce(job: &Job) -> Coalesced {
    match FLIGHTS.with(|flights| flights.join(&job.key_url)) {
        Role::Leader(lead) => Coalesced::Lead(lead),
        Role::Follower(watch) => {
            stats::record(|c| c.coalesced_waiters += 1);
            match room::outcome(&watch).await {
                Some(made) => Coalesced::Shared(made),
                None => Coalesced::Alone,
            }
        }
    }
}

/// Recall: what an earlier request learned of a source too large to transform, and the
/// milliseconds the cache took. Looked up on the miss path only, so a hit costs one lookup.
async fn recall(job: &Job) -> (Option<LargeSource>, f64) {
    let started = now_ms();
    let mark = cache::recall_large(&job.large_mark).await;
    (mark, now_ms() - started)
}

/// Fetch, with the client's range (for a pass-through); a source known to pass through is
/// asked to be kept by the platform's fetch cache, since ours never holds it.
async fn fetch(
    job: &Job,
    target: &Target,
    mark: Option<LargeSource>,
    cx: &Cx<'_>,
) -> Result<Upstream, ProxyError> {
    let range: Conditions = job.range.iter().map(|range| ("range", range.clone())).collect();
    upstream::fetch(cx, target.clone(), &range, mark.and_then(|mark| mark.edge_ttl)).await
}

/// Plan, from the upstream's headers. A range of a source small enough to transform is
/// fetched again whole, as the plan says, and planned again.
async fn plan_for(
    job: &Job,
    upstream: Upstream,
    known_large: bool,
    target: &Target,
    cx: &Cx<'_>,
) -> Result<(Fetched, Plan), ProxyError> {
    let (known, plan) = decide(job, &upstream, known_large, cx);
    if plan != Plan::FetchWhole {
        return Ok((Fetched { upstream, known, timing: String::new() }, plan));
    }
    let whole = upstream::fetch(cx, target.clone(), &Conditions::new(), None).await?;
    let (known, plan) = decide(job, &whole, known_large, cx);
    Ok((Fetched { upstream: whole, known, timing: String::new() }, plan))
}

/// What is known of the source from its upstream's headers, and the plan for it.
fn decide(job: &Job, upstream: &Upstream, known_large: bool, cx: &Cx<'_>) -> (Known, Plan) {
    let known = Known {
        declared: upstream.content_length,
        known_large,
        partial: upstream.partial,
        client_has_it: job.etag_for(&upstream.validators).is_some_and(|etag| job.client_has(&etag)),
        describe: job.format == FormatRequest::Json,
        must_transform: job.must_transform(),
    };
    let plan = plan::plan(&known, cx.config.transform_max_bytes);
    (known, plan)
}

/// Carries the plan out.
async fn carry_out(
    job: &Job,
    plan: Plan,
    fetched: Fetched,
    lead: Option<Lead<Made>>,
    cx: &Cx<'_>,
) -> Result<Answer, ProxyError> {
    match plan {
        Plan::NotModified => Ok(Answer::only(not_modified(job, &fetched, cx))),
        Plan::PassThrough(why) => stream(job, fetched, why, None, cx),
        Plan::Read(reading) => read(job, fetched, reading, lead, cx).await,
        Plan::Refuse(err) => Err(err),
        Plan::FetchWhole => Err(ProxyError::Internal("the whole source was planned as a range".into())),
    }
}

/// The client already has this version: its `ETag` follows from the source's validators,
/// so neither the body nor a pixel is needed (the body is left unread, and so cancelled).
fn not_modified(job: &Job, fetched: &Fetched, cx: &Cx<'_>) -> Response {
    stats::record(|c| c.not_modified_unread += 1);
    let Fetched { upstream, timing, .. } = fetched;
    let etag = job.etag_for(&upstream.validators).unwrap_or_default();
    respond::not_modified(&answer::known_to_client(job, &etag, &upstream.caching, cx.config, timing))
}

/// Stream: the body handed on untouched, once the gate allows it (`spilled`: what was read
/// of it first, then the rest). The request that found the source too large leaves a mark.
fn stream(
    job: &Job,
    fetched: Fetched,
    why: Why,
    spilled: Option<Spilled>,
    cx: &Cx<'_>,
) -> Result<Answer, ProxyError> {
    let Fetched { upstream, timing, .. } = fetched;
    let whole = upstream.partial.map_or(upstream.content_length, |partial| partial.total);
    security::check_passthrough(upstream.content_type.as_deref(), whole, &cx.config.security)?;
    stats::record(|c| {
        c.passthroughs += 1;
        c.passthrough_bytes += upstream.content_length.unwrap_or(0);
        c.budget_passthroughs += u64::from(why == Why::NoRoom);
    });
    let timing = why.server_timing().map_or(timing.clone(), |entry| format!("{timing}, {entry}"));
    let list =
        answer::passthrough(|name| respond::header(&upstream.response, name), &timing, spilled.is_none());
    let store = why.remember_large().then(|| Store::LargeMark {
        mark_url: job.large_mark.clone(),
        mark: LargeSource::new(upstream.content_length, &upstream.caching, cx.config),
        ttl: cx.config.cache_ttl_seconds,
    });
    let response = match spilled {
        None => respond::passthrough(upstream.response, &list),
        Some(spilled) => respond::respilled(spilled.into_stream(cx.ctx), &list),
    };
    Ok(Answer { response, store })
}

/// Read: the body into memory, its declared length reserved in the budget first. A body
/// with no room, or one that spills past the cap or the budget, goes as the plan says.
async fn read(
    job: &Job,
    mut fetched: Fetched,
    reading: Reading,
    lead: Option<Lead<Made>>,
    cx: &Cx<'_>,
) -> Result<Answer, ProxyError> {
    let held = match reading.reserve {
        None => Reservation::empty(),
        Some(bytes) => match room::reserve(bytes).await {
            Ok(held) => held,
            Err(_) => {
                plan::without_room(&fetched.known)?;
                return stream(job, fetched, Why::NoRoom, None, cx);
            }
        },
    };
    match read_capped(&fetched.upstream.response, reading.cap, held).await? {
        Body::Complete { bytes, held, reads } => {
            fetched.timing.push_str(&format!(", read;desc=\"{} bytes in {reads} reads\"", bytes.len()));
            let answer = make(job, reading.then, bytes, &fetched, lead, cx).await;
            drop(held);
            answer
        }
        Body::Spilled(spilled) => match plan::after_spill(spilled.why, &fetched.known, reading.cap) {
            Plan::PassThrough(why) => stream(job, fetched, why, Some(spilled), cx),
            Plan::Refuse(err) => Err(err),
            other => Err(ProxyError::Internal(format!("{other:?} after a spill"))),
        },
    }
}

/// Make: a description, the source itself when nothing needs doing, or a transform; shared
/// with the requests that waited for it, then answered.
async fn make(
    job: &Job,
    then: Then,
    source: Vec<u8>,
    fetched: &Fetched,
    lead: Option<Lead<Made>>,
    cx: &Cx<'_>,
) -> Result<Answer, ProxyError> {
    let made = match then {
        Then::Describe => describe_source(job, &source, fetched)?,
        Then::Make => match transform(job, source, fetched, cx).await? {
            Transformed::Made(made) => made,
            // Not shared: each waiting request tries the budget for itself.
            Transformed::Untouched(response) => return Ok(Answer::only(response)),
        },
    };
    if let Some(lead) = lead {
        lead.share(made.clone());
    }
    Ok(answer_made(job, made, cx, false))
}

/// `format=json`: the source's header is the answer.
fn describe_source(job: &Job, source: &[u8], fetched: &Fetched) -> Result<Made, ProxyError> {
    let description = serde_json::to_vec(&describe(source, &job.image.options)?).map_err(internal)?;
    Ok(made(fetched, description, "application/json", "transform;desc=\"json from the header\""))
}

/// What transforming came to.
enum Transformed {
    /// The answer: transformed, or the source itself when nothing needed doing.
    Made(Made),
    /// The source's own bytes, for want of room in the budget.
    Untouched(Response),
}

/// Transform: the header read, nothing done when nothing needs doing, and the pixels' room
/// reserved in the budget before a pixel is decoded.
async fn transform(
    job: &Job,
    source: Vec<u8>,
    fetched: &Fetched,
    cx: &Cx<'_>,
) -> Result<Transformed, ProxyError> {
    if sniff(&source) == Some(SourceFormat::Svg) {
        return sanitise(job, &source, fetched).await.map(Transformed::Made);
    }
    let options = &job.image.options;
    let work = prepare(&source, options, job.format, cx.config.max_source_pixels)?;
    let mime = work.info().format.mime();
    if plan::untouched(options, &work)? {
        drop(work);
        let stage = "transform;desc=\"none needed: the source as it is\"";
        return Ok(Transformed::Made(made(fetched, source, mime, stage)));
    }
    let mut held = match room::reserve(work.memory_bytes()).await {
        Ok(held) => held,
        Err(Shortfall::NeverFits { wanted, capacity }) => {
            return Err(ProxyError::OverMemoryBudget { bytes: wanted, budget: capacity })
        }
        Err(Shortfall::Busy) => {
            plan::without_room(&fetched.known)?;
            drop(work);
            return Ok(Transformed::Untouched(untouched(job, source, mime, fetched)));
        }
    };
    let encoded = work.run(|extra| held.try_grow(extra).is_ok())?;
    drop(held);
    stats::record(|c| c.transforms += 1);
    Ok(Transformed::Made(made(
        fetched,
        encoded.bytes,
        encoded.format.mime(),
        &encoded.report.server_timing(),
    )))
}

/// Sanitise: an SVG source, made safe to serve, with room for its copy reserved first. It
/// is never served unsanitised: without room, the answer is 503.
async fn sanitise(job: &Job, source: &[u8], fetched: &Fetched) -> Result<Made, ProxyError> {
    let held = match room::reserve(svg::memory_bytes(source.len())).await {
        Ok(held) => held,
        Err(Shortfall::NeverFits { wanted, capacity }) => {
            return Err(ProxyError::OverMemoryBudget { bytes: wanted, budget: capacity })
        }
        Err(Shortfall::Busy) => return Err(ProxyError::Busy { retry_after_seconds: RETRY_AFTER_SECONDS }),
    };
    let clean = svg::sanitised(source, &job.image.options, job.format)?;
    drop(held);
    Ok(made(fetched, clean, SourceFormat::Svg.mime(), "transform;desc=\"svg sanitised\""))
}

/// What was made of the fetched source: `body` of `content_type`, with `stage` told after
/// the stages before it.
fn made(fetched: &Fetched, body: Vec<u8>, content_type: &'static str, stage: &str) -> Made {
    Made {
        body: Rc::new(body),
        content_type,
        caching: fetched.upstream.caching,
        validators: fetched.upstream.validators.clone(),
        server_timing: format!("{}, {stage}", fetched.timing),
    }
}

/// The source's own bytes, read but not transformed for want of memory.
fn untouched(job: &Job, source: Vec<u8>, content_type: &str, fetched: &Fetched) -> Response {
    stats::record(|c| c.budget_passthroughs += 1);
    let timing = format!("{}, transform;desc=\"skipped: no room in the memory budget\"", fetched.timing);
    let headers = answer::untouched(job, &source, content_type, timing);
    respond::image(source, &headers)
}

/// Answer: a body just made, stored afterwards by the request that made it; one that
/// `waited` for an identical request only answers.
fn answer_made(job: &Job, made: Made, cx: &Cx<'_>, waited: bool) -> Answer {
    let (headers, storage) = answer::fresh(job, &made, cx.config, waited);
    // The bytes themselves once the followers have theirs, a copy while they still hold them.
    let body = Rc::try_unwrap(made.body).unwrap_or_else(|shared| shared.as_ref().clone());
    let store = storage.ttl.filter(|_| !waited).map(|ttl| Store::Made {
        key_url: job.key_url.clone(),
        body: body.clone(),
        stored: Stored {
            content_type: made.content_type.to_string(),
            etag: headers.etag.clone(),
            ttl,
            keep: storage.keep,
            stored_at: now_s(),
            validators: made.validators,
        },
    });
    let response = match job.client_has(&headers.etag) {
        true => respond::not_modified(&headers.not_modified()),
        false => respond::image(body, &headers),
    };
    Answer { response, store }
}
