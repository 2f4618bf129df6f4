//! Variants made ahead, on a queue. `POST /warm` ([`enqueue`]) puts one message per source on
//! `WARM_QUEUE`; the same Worker's consumer ([`consume`]) makes each message's variants and
//! stores them in the R2 tier: one message at a time, its source fetched and read once, its
//! variants made one after another, each within the isolate's memory budget. A message is
//! acknowledged once its variants are stored, and nothing of it is kept after. What is asked
//! for, and what a failure leads to, is decided in [`crate::warm`].

use std::rc::Rc;

use serde_json::Value;
use worker::{
    console_error, Bucket, Context, Data, Env, Message, MessageBatch, MessageExt, QueueRetryOptionsBuilder,
    Request, Response,
};

use super::body::{read_capped, Body};
use super::image::{transform, Fetched, Transformed};
use super::upstream::{self, Conditions};
use super::{config, now_ms, now_s, purge, respond, room, tier, Cx};
use crate::answer;
use crate::budget::Reservation;
use crate::cache_key::{large_source_path, tier_key};
use crate::cache_policy::LargeSource;
use crate::error::{ConfigError, ProxyError};
use crate::job::Job;
use crate::plan::{self, Known, Plan, Spill};
use crate::security::{admit_vouched, Policy};
use crate::stats;
use crate::warm::{self, after_failure, Disposition, WarmMessage};

/// The queue `POST /warm` sends to, and the consumer reads.
const WARM_QUEUE: &str = "WARM_QUEUE";

/// The queue messages given up on are sent to, for an operator to look at.
const WARM_DEAD_LETTER: &str = "WARM_DEAD_LETTER";

/// The origin warm jobs are worked out under: the consumer writes only the tier, whose keys
/// do not depend on it, never a data centre's edge cache, whose keys would.
const WARM_ORIGIN: &str = "https://warm.invalid";

/// A binding the Worker lacks, as the configuration error it is.
fn unbound(var: &'static str, why: &str) -> ProxyError {
    ProxyError::Config(ConfigError { var, problem: format!("is not bound: {why}") })
}

/// `POST /warm`: checked like `/purge`, every variant admitted, then one message per source.
pub async fn enqueue(mut req: Request, cx: &Cx<'_>) -> Result<Response, ProxyError> {
    let body = purge::authorised_body(&mut req, cx, warm::MAX_BODY_BYTES).await?;
    let queue = cx.env.queue(WARM_QUEUE).map_err(|_| unbound(WARM_QUEUE, "POST /warm needs a queue"))?;
    let messages = warm::messages(&body, &cx.config.security)?;
    let variants: usize =
        messages.iter().filter_map(|message| warm::variants(message).ok()).map(|v| v.len()).sum();
    let queued = messages.len();
    queue.send_batch(messages).await.map_err(|e| ProxyError::Internal(format!("{WARM_QUEUE}: {e}")))?;
    respond::json(&serde_json::json!({ "queued": queued, "variants": variants }))
}

/// The consumer: each message of the batch in turn, then acknowledged, retried or
/// dead-lettered. It never fails the batch, whose messages would all come again.
pub async fn consume(batch: MessageBatch<Value>, env: &Env, ctx: &Context) {
    for message in batch.iter() {
        let message = match message {
            Ok(message) => message,
            // A body JSON cannot hold; there is no message to settle, and it comes again.
            Err(e) => {
                console_error!("an unreadable warm message: {e}");
                continue;
            }
        };
        stats::record(|c| c.warm_received += 1);
        let outcome = match config(env) {
            Ok(config) => warm_one(message.body(), &Cx { env, ctx, config }).await,
            Err(err) => Err(err),
        };
        settle(&message, outcome, env).await;
    }
}

/// Acknowledges a message done; retries or dead-letters a failed one, as
/// [`warm::after_failure`] decides from the failure and the message's age.
async fn settle(message: &Message<Value>, outcome: Result<(), ProxyError>, env: &Env) {
    let Err(err) = outcome else {
        message.ack();
        stats::record(|c| c.warm_done += 1);
        return;
    };
    let age_seconds = ((now_ms() - message.timestamp().as_millis() as f64) / 1000.0).max(0.0) as u64;
    match after_failure(&err, age_seconds) {
        Disposition::Retry { delay_seconds } => {
            console_error!("warming failed, retrying in {delay_seconds} s: {err}");
            message.retry_with_options(
                &QueueRetryOptionsBuilder::new().with_delay_seconds(delay_seconds).build(),
            );
            stats::record(|c| c.warm_retried += 1);
        }
        Disposition::DeadLetter => {
            console_error!("warming failed for good, dead-lettered: {err}");
            dead_letter(message.body(), &err, env).await;
            message.ack();
            stats::record(|c| c.warm_dead_lettered += 1);
        }
    }
}

/// Sends a message given up on to `WARM_DEAD_LETTER` with why (only logged without one).
async fn dead_letter(body: &Value, err: &ProxyError, env: &Env) {
    let letter = serde_json::json!({ "message": body, "error": err.slug(), "detail": err.to_string() });
    match env.queue(WARM_DEAD_LETTER) {
        Ok(queue) => {
            if let Err(e) = queue.send(letter).await {
                console_error!("{WARM_DEAD_LETTER}: {e}");
            }
        }
        Err(_) => console_error!("no {WARM_DEAD_LETTER} binding; dropped {letter}"),
    }
}

/// One message: its variants not yet fresh in the tier made from one read of the source.
async fn warm_one(body: &Value, cx: &Cx<'_>) -> Result<(), ProxyError> {
    let Some(message) = warm::message(body)? else { return Ok(()) };
    let bucket =
        tier::bucket(cx.env).ok_or_else(|| unbound(tier::VARIANTS, "warming stores variants in the tier"))?;
    let jobs = pending(&message, &bucket, &cx.config.security).await?;
    let Some(first) = jobs.first() else { return Ok(()) };
    let Some((source, fetched, held)) = read_source(first, &bucket, cx).await? else { return Ok(()) };
    for job in &jobs {
        make_and_store(job, Rc::clone(&source), &fetched, &bucket, cx).await?;
    }
    drop(held);
    Ok(())
}

/// The message's variants, as jobs, that the tier does not hold fresh already; each admitted
/// by the gate (the message may come from R2's notices, not only from `POST /warm`).
async fn pending(message: &WarmMessage, bucket: &Bucket, policy: &Policy) -> Result<Vec<Job>, ProxyError> {
    let mut jobs = Vec::new();
    for variant in warm::variants(message)? {
        let asked = variant.asked();
        let job = Job::new(variant.image, asked, policy, WARM_ORIGIN);
        if !tier::is_fresh(bucket, &tier_key(&job.key.path()), now_s()).await {
            jobs.push(job);
        }
    }
    Ok(jobs)
}

/// The source, fetched and read whole within the budget, with what is known of it and its
/// room; `None` when it is too large to transform (the tier then keeps its mark, so requests
/// pass it through at once).
async fn read_source(
    job: &Job,
    bucket: &Bucket,
    cx: &Cx<'_>,
) -> Result<Option<(Rc<Vec<u8>>, Fetched, Reservation)>, ProxyError> {
    let target = admit_vouched(&job.image, &cx.config.security)?;
    let upstream = upstream::fetch(cx, target, &Conditions::new(), None).await?;
    // Read to make, and never handed on untouched: with no room it is tried again later.
    let known = Known {
        declared: upstream.content_length,
        known_large: false,
        partial: None,
        client_has_it: false,
        describe: false,
        must_transform: true,
    };
    let reading = match plan::plan(&known, cx.config.transform_max_bytes) {
        Plan::Read(reading) => reading,
        Plan::PassThrough(_) => return mark_large(job, &upstream, bucket, cx).await.map(|()| None),
        Plan::Refuse(err) => return Err(err),
        other => return Err(ProxyError::Internal(format!("{other:?} for a whole source"))),
    };
    let held = room::reserve(reading.reserve.unwrap_or(0)).await.map_err(|_| busy())?;
    match read_capped(&upstream.response, reading.cap, held).await? {
        Body::Complete { bytes, held, .. } => {
            let timing = format!("fetch;dur={:.0}", upstream.millis);
            Ok(Some((Rc::new(bytes), Fetched { upstream, known, timing }, held)))
        }
        Body::Spilled(spilled) if spilled.why == Spill::TooLarge => {
            mark_large(job, &upstream, bucket, cx).await.map(|()| None)
        }
        Body::Spilled(_) => Err(busy()),
    }
}

/// No room in the memory budget now: a failure of the moment.
fn busy() -> ProxyError {
    ProxyError::Busy { retry_after_seconds: crate::budget::RETRY_AFTER_SECONDS }
}

/// Stores in the tier the mark saying the source of `job` is too large to transform.
async fn mark_large(
    job: &Job,
    upstream: &upstream::Upstream,
    bucket: &Bucket,
    cx: &Cx<'_>,
) -> Result<(), ProxyError> {
    let mark = LargeSource::new(upstream.content_length, &upstream.caching, cx.config);
    let key = tier_key(&large_source_path(&job.image.source));
    let list = mark.headers(cx.config.cache_ttl_seconds, now_s());
    stored(tier::put(bucket, &key, Data::Empty, &list).await)
}

/// One variant: made from the shared source, and stored in the tier when it may be stored.
async fn make_and_store(
    job: &Job,
    source: Rc<Vec<u8>>,
    fetched: &Fetched,
    bucket: &Bucket,
    cx: &Cx<'_>,
) -> Result<(), ProxyError> {
    admit_vouched(&job.image, &cx.config.security)?;
    let made = match transform(job, source, fetched, cx).await? {
        Transformed::Made(made) => made,
        Transformed::Untouched(_) => return Err(busy()),
    };
    let (headers, storage) = answer::fresh(job, &made, cx.config, false);
    let Some(kept) = answer::stored(&made, &headers, &storage, now_s()) else { return Ok(()) };
    // A transformed body has no other owner; the source itself (nothing to do) is copied.
    let body = Rc::try_unwrap(made.body).unwrap_or_else(|shared| shared.as_ref().clone());
    stored(tier::put(bucket, &tier_key(&job.key.path()), Data::Bytes(body), &kept.headers()).await)
}

/// A tier write that failed, as a failure to retry.
fn stored(put: bool) -> Result<(), ProxyError> {
    put.then_some(()).ok_or_else(|| ProxyError::Internal("the tier did not store a warmed variant".into()))
}
