//! The overlays' bytes (`draw`, the watermark): each source admitted by the gate
//! (`security::overlay_targets`), fetched with the caps of a source to transform, and kept
//! twice so that a watermark is not fetched for every request: in the isolate's memory
//! (a few small files, for `CACHE_TTL_SECONDS`) and in the edge cache under its own key
//! (`cache_key::overlay_path`), where the other isolates of the data centre find it.

use std::cell::RefCell;
use std::rc::Rc;

use super::body::{read_capped, Body};
use super::cache::{self, Store};
use super::upstream::{self, Conditions};
use super::{internal, now_s, room, Cx};
use crate::budget::RETRY_AFTER_SECONDS;
use crate::error::ProxyError;
use crate::job::Job;
use crate::options::Placement;
use crate::plan::Spill;
use crate::security::{overlay_targets, Target};
use crate::transform::Overlay;

/// What the isolate keeps of overlays at most, in bytes: a handful of logos and watermarks.
/// Kept outside the memory budget, so bounded here; a larger overlay is not kept in memory,
/// only in the edge cache.
const MEMO_MAX_BYTES: usize = 2 * 1024 * 1024;

/// One overlay kept in the isolate.
struct Memo {
    url: String,
    bytes: Rc<Vec<u8>>,
    until_s: u64,
}

thread_local! {
    /// The overlays this isolate fetched lately.
    static MEMO: RefCell<Vec<Memo>> = const { RefCell::new(Vec::new()) };
}

/// An overlay's bytes with where it goes.
pub(super) struct Fetched {
    bytes: Rc<Vec<u8>>,
    place: Placement,
    min_output_width: u32,
}

/// Every overlay of `job`, its draws in order and then the watermark, as bytes.
pub(super) async fn fetch_all(job: &Job, cx: &Cx<'_>) -> Result<Vec<Fetched>, ProxyError> {
    let targets = overlay_targets(&job.image, &cx.config.security)?;
    let draws = job.image.draws.iter().map(|draw| (draw.place, 0));
    let places = draws.chain(job.watermark.iter().map(|w| (w.place, w.min_width)));
    let mut fetched = Vec::with_capacity(targets.len());
    for ((target, url), (place, min_output_width)) in targets.into_iter().zip(&job.overlay_urls).zip(places) {
        fetched.push(Fetched { bytes: bytes(url, target, cx).await?, place, min_output_width });
    }
    Ok(fetched)
}

/// The overlays as the engine takes them, borrowing `fetched`.
pub(super) fn borrowed(fetched: &[Fetched]) -> Vec<Overlay<'_>> {
    fetched
        .iter()
        .map(|f| Overlay { bytes: f.bytes.as_slice(), place: f.place, min_output_width: f.min_output_width })
        .collect()
}

/// One overlay's bytes: from the isolate, else the edge cache, else its source (then kept in
/// both).
async fn bytes(url: &str, target: Target, cx: &Cx<'_>) -> Result<Rc<Vec<u8>>, ProxyError> {
    if let Some(bytes) = recalled(url) {
        return Ok(bytes);
    }
    if let Some(mut response) = cache::lookup(url).await {
        let bytes = Rc::new(response.bytes().await.map_err(internal)?);
        remember(url, &bytes, cx);
        return Ok(bytes);
    }
    let bytes = Rc::new(fetched(target, cx).await?);
    remember(url, &bytes, cx);
    let ttl = cx.config.cache_ttl_seconds;
    cache::store(cx, Some(Store::Overlay { key_url: url.to_string(), body: bytes.to_vec(), ttl }));
    Ok(bytes)
}

/// The overlay's source read whole, within `TRANSFORM_MAX_BYTES` and the memory budget.
async fn fetched(target: Target, cx: &Cx<'_>) -> Result<Vec<u8>, ProxyError> {
    let upstream = upstream::fetch(cx, target, &Conditions::new(), None).await?;
    let cap = cx.config.transform_max_bytes;
    let too_large = ProxyError::SourceTooLarge { limit: cap };
    if upstream.content_length.is_some_and(|length| length > cap) {
        return Err(too_large);
    }
    let busy = ProxyError::Busy { retry_after_seconds: RETRY_AFTER_SECONDS };
    let held = room::reserve(upstream.content_length.unwrap_or(0)).await.map_err(|_| busy.clone())?;
    match read_capped(&upstream.response, cap, held).await? {
        Body::Complete { bytes, .. } => Ok(bytes),
        Body::Spilled(spilled) if spilled.why == Spill::TooLarge => Err(too_large),
        Body::Spilled(_) => Err(busy),
    }
}

/// The bytes the isolate keeps for `url`, while fresh.
fn recalled(url: &str) -> Option<Rc<Vec<u8>>> {
    let now = now_s();
    MEMO.with_borrow_mut(|memo| {
        memo.retain(|kept| kept.until_s > now);
        memo.iter().find(|kept| kept.url == url).map(|kept| Rc::clone(&kept.bytes))
    })
}

/// Keeps `bytes` for `url` in the isolate for `CACHE_TTL_SECONDS`, within [`MEMO_MAX_BYTES`]
/// (the oldest entries make way).
fn remember(url: &str, bytes: &Rc<Vec<u8>>, cx: &Cx<'_>) {
    if bytes.len() > MEMO_MAX_BYTES / 2 {
        return;
    }
    let until_s = now_s() + u64::from(cx.config.cache_ttl_seconds);
    MEMO.with_borrow_mut(|memo| {
        memo.retain(|kept| kept.url != url);
        while memo.iter().map(|kept| kept.bytes.len()).sum::<usize>() + bytes.len() > MEMO_MAX_BYTES {
            memo.remove(0);
        }
        memo.push(Memo { url: url.to_string(), bytes: Rc::clone(bytes), until_s });
    });
}
