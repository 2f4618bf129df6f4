//! The image request path, as named steps. Each step carries out what the pure modules
//! decide (the gate in [`crate::security`], the plan in [`crate::plan`], the headers in
//! [`crate::answer`]) and decides nothing itself:
//!
//! admit → lookup (the edge cache, then the R2 tier) → revalidate → on a miss: coalesce →
//! recall → fetch → plan → read or stream → make → answer → store.
//!
//! The store step comes last, after the answer has gone: every cache write is one
//! [`Store`] an answer leaves behind, for the edge cache and the tier alike.

use std::rc::Rc;

use worker::{console_error, Request, Response};

use super::body::{read_capped, Body, Spilled};
use super::cache::{self, Store};
use super::upstream::{self, Conditions, Upstream};
use super::{internal, now_ms, now_s, overlay, respond, room, tier, Cx};
use crate::answer::{self, Made};
use crate::budget::{Reservation, Shortfall, RETRY_AFTER_SECONDS};
use crate::cache_key::{large_source_path, tier_key};
use crate::cache_policy::{LargeSource, Stored};
use crate::coalesce::{Flights, Lead, Role};
use crate::error::ProxyError;
use crate::format::SourceFormat;
use crate::hints::Hints;
use crate::job::{Asked, Job};
use crate::negotiate::FormatRequest;
use crate::plan::{self, Known, Plan, Reading, Then, Why};
use crate::route::ImageRequest;
use crate::security::{self, Target};
use crate::stats;
use crate::transform::{describe, prepare, sniff, svg, Completeness, CpuFit, CpuNote, Encoded, Work};

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
    let job = job(req, image, cx)?;
    // A refused request is not served from the cache either, nor redirected to.
    let target = security::admit(&job.image, &cx.config.security, now_s())?;
    let location = target.location();
    match answer(&job, target, cx).await {
        Ok(Answer { response, store }) => {
            cache::store(cx, store);
            Ok(response)
        }
        // A source the gate allowed may be the answer when it cannot be made into one (if it
        // has an address a client can use).
        Err(err) => match location.filter(|_| job.redirects(&err)) {
            Some(location) => {
                console_error!("{err}; redirecting to the source (onerror=redirect)");
                stats::record(|c| c.errors += 1);
                Ok(respond::redirect(&location))
            }
            None => {
                if matches!(err, ProxyError::Busy { .. }) {
                    stats::record(|c| c.budget_refusals += 1);
                }
                Err(err)
            }
        },
    }
}

/// The request worked out once: its headers read, its client hints settled, its cache keys
/// under the Worker's origin.
fn job(req: &Request, image: ImageRequest, cx: &Cx<'_>) -> Result<Job, ProxyError> {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let (accept, if_none_match, range) = (header("accept"), header("if-none-match"), header("range"));
    let hints = Hints::read(header);
    let asked = Asked {
        accept: accept.as_deref(),
        if_none_match: if_none_match.as_deref(),
        range: range.as_deref(),
        hints: &hints,
    };
    let origin = req.url().map_err(internal)?.origin().ascii_serialization();
    Ok(Job::new(image, asked, &cx.config.security, &origin))
}

/// Lookup → revalidate, then the miss path.
async fn answer(job: &Job, target: Target, cx: &Cx<'_>) -> Result<Answer, ProxyError> {
    let (entry, mut looked) = lookup(job, cx).await;
    let changed = match entry {
        None => None,
        Some(entry) => match revalidate(job, entry, &target, cx, &looked).await {
            Revalidated::Answered(answer) => return Ok(answer),
            Revalidated::Changed(upstream) => Some(upstream),
            Revalidated::NoValidators => None,
        },
    };
    stats::record(|c| c.cache_misses += 1);
    miss(job, target, changed, cx, &mut looked).await
}

/// Where a stored answer was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// This data centre's edge cache.
    Edge,
    /// The R2 tier, which every data centre shares.
    Tier,
}

/// A stored answer, its metadata, and where it was found.
struct Entry {
    response: Response,
    stored: Stored,
    layer: Layer,
}

/// Milliseconds spent looking in the edge cache, and in the tier when the Worker has one.
#[derive(Debug, Clone, Copy, Default)]
struct Looked {
    cache_ms: f64,
    tier_ms: Option<f64>,
}

impl Looked {
    /// Their `Server-Timing` entries.
    fn timing(&self) -> String {
        match self.tier_ms {
            None => format!("cache;dur={:.0}", self.cache_ms),
            Some(tier_ms) => format!("cache;dur={:.0}, tier;dur={tier_ms:.0}", self.cache_ms),
        }
    }
}

/// Lookup: the stored answer from the edge cache or, when it has none, from the R2 tier,
/// and the time each took.
async fn lookup(job: &Job, cx: &Cx<'_>) -> (Option<Entry>, Looked) {
    let started = now_ms();
    let edge = cache::lookup(&job.key_url).await;
    let mut looked = Looked { cache_ms: now_ms() - started, tier_ms: None };
    if let Some(response) = edge {
        let stored = Stored::read(|name| respond::header(&response, name));
        return (Some(Entry { response, stored, layer: Layer::Edge }), looked);
    }
    let Some(bucket) = tier::bucket(cx.env) else { return (None, looked) };
    let started = now_ms();
    let found = tier::lookup(&bucket, &tier_key(&job.key.path()), now_s()).await;
    looked.tier_ms = Some(now_ms() - started);
    (found.map(|(response, stored)| Entry { response, stored, layer: Layer::Tier }), looked)
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
async fn revalidate(job: &Job, entry: Entry, target: &Target, cx: &Cx<'_>, looked: &Looked) -> Revalidated {
    let now = now_s();
    if entry.stored.is_fresh(now) {
        return Revalidated::Answered(hit(job, entry, looked.timing()));
    }
    let Some(conditions) = entry.stored.conditions() else { return Revalidated::NoValidators };
    match upstream::fetch(cx, target.clone(), &conditions, None).await {
        Ok(upstream) if upstream.not_modified => {
            let timing = format!("{}, revalidate;dur={:.0}", looked.timing(), upstream.millis);
            Revalidated::Answered(refreshed(job, entry, now, timing))
        }
        Ok(upstream) => Revalidated::Changed(upstream),
        Err(err) => {
            console_error!("revalidation failed, serving the stored answer: {err}");
            count_hit(entry.layer);
            let response = from_cache(job, &entry.response, &entry.stored, "STALE", looked.timing());
            Revalidated::Answered(Answer::only(response))
        }
    }
}

/// A fresh entry is the answer; one the tier found is also copied into the edge cache.
fn hit(job: &Job, mut entry: Entry, timing: String) -> Answer {
    count_hit(entry.layer);
    let (x_cache, store) = match entry.layer {
        Layer::Edge => ("HIT", None),
        Layer::Tier => {
            let copy = copy(&mut entry.response);
            let key_url = job.key_url.clone();
            ("HIT-TIER", copy.map(|copy| Store::Promoted { key_url, copy, stored: entry.stored.clone() }))
        }
    };
    Answer { response: from_cache(job, &entry.response, &entry.stored, x_cache, timing), store }
}

/// A stale entry the origin said is unchanged: the answer, and stored again as fresh in both
/// layers (the copy is stored while the entry's own body is answered with).
fn refreshed(job: &Job, mut entry: Entry, now: u64, timing: String) -> Answer {
    stats::record(|c| c.cache_revalidations += 1);
    let stored = Stored { stored_at: now, ..entry.stored };
    let store = copy(&mut entry.response).map(|copy| Store::Refreshed {
        key_url: job.key_url.clone(),
        tier_key: tier_key(&job.key.path()),
        copy,
        stored: stored.clone(),
    });
    Answer { response: from_cache(job, &entry.response, &stored, "REVALIDATED", timing), store }
}

/// Counts an answer served from `layer`.
fn count_hit(layer: Layer) {
    match layer {
        Layer::Edge => stats::record(|c| c.cache_hits += 1),
        Layer::Tier => stats::record(|c| c.tier_hits += 1),
    }
}

/// A copy of a stored answer, for storing while the answer streams the original.
fn copy(response: &mut Response) -> Option<Response> {
    response.cloned().map_err(|e| console_error!("cannot copy a stored answer: {e}")).ok()
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
pub(super) struct Fetched {
    /// The upstream's answer.
    pub(super) upstream: Upstream,
    /// What its headers told.
    pub(super) known: Known,
    /// `Server-Timing` so far.
    pub(super) timing: String,
}

/// The miss path: coalesce → recall → fetch → plan, then carry the plan out. `changed` is
/// the source as a stale entry's revalidation already fetched it anew.
async fn miss(
    job: &Job,
    target: Target,
    changed: Option<Upstream>,
    cx: &Cx<'_>,
    looked: &mut Looked,
) -> Result<Answer, ProxyError> {
    let lead = match coalesce(job).await {
        Coalesced::Shared(made) => return Ok(answer_made(job, made, cx, true)),
        Coalesced::Lead(lead) => Some(lead),
        Coalesced::Alone => None,
    };
    let (upstream, mark) = match changed {
        Some(upstream) => (upstream, None),
        None => {
            let mark = recall(job, cx, looked).await;
            (fetch(job, &target, mark, cx).await?, mark)
        }
    };
    let (fetched, plan) = plan_for(job, upstream, mark.is_some(), &target, cx).await?;
    let timing = format!("{}, fetch;dur={:.0}", looked.timing(), fetched.upstream.millis);
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

/// Recall: what an earlier request learned of a source too large to transform, from the
/// edge cache or else the tier, their time added to `looked`. Looked up on the miss path
/// only, so a hit costs one lookup.
async fn recall(job: &Job, cx: &Cx<'_>, looked: &mut Looked) -> Option<LargeSource> {
    let started = now_ms();
    let mark = cache::recall_large(&job.large_mark).await;
    looked.cache_ms += now_ms() - started;
    if mark.is_some() {
        return mark;
    }
    let bucket = tier::bucket(cx.env)?;
    let started = now_ms();
    let mark = tier::recall_large(&bucket, &tier_key(&large_source_path(&job.image.source)), now_s()).await;
    *looked.tier_ms.get_or_insert(0.0) += now_ms() - started;
    mark
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
    let list = answer::passthrough(
        job,
        |name| respond::header(&upstream.response, name),
        &timing,
        spilled.is_none(),
    );
    let store = why.remember_large().then(|| Store::LargeMark {
        mark_url: job.large_mark.clone(),
        tier_key: tier_key(&large_source_path(&job.image.source)),
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
        Then::Make => match transform(job, Rc::new(source), fetched, cx).await? {
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
    let description = serde_json::to_vec(&describe(source, &job.options)?).map_err(internal)?;
    Ok(made(fetched, Rc::new(description), "application/json", "transform;desc=\"json from the header\""))
}

/// What transforming came to.
pub(super) enum Transformed {
    /// The answer: transformed, or the source itself when nothing needed doing.
    Made(Made),
    /// The source's own bytes, for want of room in the budget.
    Untouched(Response),
}

/// Transform: the header read, nothing done when nothing needs doing, the path fitted to the
/// CPU budget, and the pixels' room reserved in the budget before a pixel is decoded. `source`
/// is shared, so that one source read once makes several variants (`POST /warm`'s consumer).
pub(super) async fn transform(
    job: &Job,
    source: Rc<Vec<u8>>,
    fetched: &Fetched,
    cx: &Cx<'_>,
) -> Result<Transformed, ProxyError> {
    if sniff(&source) == Some(SourceFormat::Svg) {
        return sanitise(job, &source, fetched).await.map(Transformed::Made);
    }
    let options = &job.options;
    let work = prepare(&source, options, job.format, cx.config.max_source_pixels)?;
    let mime = work.info().format.mime();
    if plan::untouched(options, &work)? && !job.draws_on_untouched(work.canvas()) {
        drop(work);
        let stage = "transform;desc=\"none needed: the source as it is\"";
        return Ok(Transformed::Made(made(fetched, source, mime, stage)));
    }
    let overlays = overlay::fetch_all(job, cx).await?;
    let work = work.with_overlays(&overlay::borrowed(&overlays))?;
    let (work, cpu) = match within_cpu(work, fetched, cx)? {
        Ok(fitted) => fitted,
        Err(why) => return Ok(Transformed::Untouched(untouched(job, source, mime, fetched, &why))),
    };
    let Some(mut held) = room_for(&work, fetched).await? else {
        drop(work);
        let why = "transform;desc=\"skipped: no room in the memory budget\"";
        return Ok(Transformed::Untouched(untouched(job, source, mime, fetched, why)));
    };
    let encoded = match run_within(work, &mut held, fetched)? {
        Ok(encoded) => encoded,
        Err(why) => return Ok(Transformed::Untouched(untouched(job, source, mime, fetched, &why))),
    };
    drop(held);
    stats::record(|c| c.transforms += 1);
    Ok(Transformed::Made(made_anew(fetched, encoded, &cpu)))
}

/// The work run within the room `held`. A damaged JPEG whose repair, or a JPEG whose full-size
/// fallback decode, the CPU budget has no room for is answered as any transform over it:
/// `Ok(Err(why))`, the `Server-Timing` entries of the source answered untouched (or the
/// refusal of a request that must be transformed).
fn run_within(
    work: Work<'_>,
    held: &mut Reservation,
    fetched: &Fetched,
) -> Result<Result<Encoded, String>, ProxyError> {
    match work.run(|extra| held.try_grow(extra).is_ok()) {
        Err(ProxyError::OverCpuBudget { estimate_ms, budget_ms, unforeseen, .. }) => {
            let steps = vec![unforeseen.unwrap_or("unforeseen decoding").to_string()];
            let cpu = CpuNote { estimate_ms, budget_ms, cheaper_ms: None, steps, over: true };
            plan::over_cpu(&fetched.known, &cpu)?;
            Ok(Err(format!("{}, transform;desc=\"skipped: over the CPU budget\"", cpu.server_timing())))
        }
        encoded => encoded.map(Ok),
    }
}

/// The work's room in the memory budget; `None` when there is none within the wait and the
/// source may go untouched (else 503), an error when it could never fit.
async fn room_for(work: &Work<'_>, fetched: &Fetched) -> Result<Option<Reservation>, ProxyError> {
    match room::reserve(work.memory_bytes()).await {
        Ok(held) => Ok(Some(held)),
        Err(Shortfall::NeverFits { wanted, capacity }) => {
            Err(ProxyError::OverMemoryBudget { bytes: wanted, budget: capacity })
        }
        Err(Shortfall::Busy) => {
            plan::without_room(&fetched.known)?;
            stats::record(|c| c.budget_passthroughs += 1);
            Ok(None)
        }
    }
}

/// What a transform made, with its stages (the CPU budget's note first) and whether the
/// picture is whole.
fn made_anew(fetched: &Fetched, encoded: Encoded, cpu: &CpuNote) -> Made {
    let (completeness, stages) =
        (encoded.completeness, format!("{}, {}", cpu.server_timing(), encoded.report.server_timing()));
    Made { completeness, ..made(fetched, Rc::new(encoded.bytes), encoded.format.mime(), &stages) }
}

/// The work on the path the CPU budget allows, with what the budget made of it; or, when even
/// the cheapest path is over, the `Server-Timing` entries of a source answered untouched (or
/// the refusal of a request that must be transformed).
fn within_cpu<'a>(
    work: Work<'a>,
    fetched: &Fetched,
    cx: &Cx<'_>,
) -> Result<Result<(Work<'a>, CpuNote), String>, ProxyError> {
    match work.within_cpu(cx.config.security.cpu_budget_ms) {
        CpuFit::Within(work, cpu) => Ok(Ok((work, cpu))),
        CpuFit::Over(cpu) => {
            plan::over_cpu(&fetched.known, &cpu)?;
            Ok(Err(format!("{}, transform;desc=\"skipped: over the CPU budget\"", cpu.server_timing())))
        }
    }
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
    Ok(made(fetched, Rc::new(clean), SourceFormat::Svg.mime(), "transform;desc=\"svg sanitised\""))
}

/// What was made of the fetched source: `body` of `content_type`, with `stage` told after
/// the stages before it.
fn made(fetched: &Fetched, body: Rc<Vec<u8>>, content_type: &'static str, stage: &str) -> Made {
    Made {
        body,
        content_type,
        caching: fetched.upstream.caching,
        validators: fetched.upstream.validators.clone(),
        server_timing: format!("{}, {stage}", fetched.timing),
        completeness: Completeness::Whole,
    }
}

/// The source's own bytes, read but not transformed (`why`: for want of memory or of CPU, as
/// `Server-Timing` entries).
fn untouched(job: &Job, source: Rc<Vec<u8>>, content_type: &str, fetched: &Fetched, why: &str) -> Response {
    let timing = format!("{}, {why}", fetched.timing);
    let headers = answer::untouched(job, &source, content_type, timing);
    // The request path's source has no other owner; a shared one is copied.
    respond::image(Rc::try_unwrap(source).unwrap_or_else(|shared| shared.as_ref().clone()), &headers)
}

/// Answer: a body just made, stored afterwards by the request that made it; one that
/// `waited` for an identical request only answers.
fn answer_made(job: &Job, made: Made, cx: &Cx<'_>, waited: bool) -> Answer {
    let (headers, storage) = answer::fresh(job, &made, cx.config, waited);
    let stored = answer::stored(&made, &headers, &storage, now_s()).filter(|_| !waited);
    // The bytes themselves once the followers have theirs, a copy while they still hold them.
    let body = Rc::try_unwrap(made.body).unwrap_or_else(|shared| shared.as_ref().clone());
    let store = stored.map(|stored| Store::Made {
        key_url: job.key_url.clone(),
        tier_key: tier_key(&job.key.path()),
        body: body.clone(),
        stored,
    });
    let response = match job.client_has(&headers.etag) {
        true => respond::not_modified(&headers.not_modified()),
        false => respond::image(body, &headers),
    };
    Answer { response, store }
}
