//! `POST /purge`: the caller and its body checked, then every entry the URLs may be stored
//! under deleted from each layer the Worker has, and Workers Cache purged by the sources'
//! tags where the runtime offers it (see [`crate::purge`]).

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::Request;

use super::{cache, internal, respond, tier, Cx};
use crate::cache_key::tier_key;
use crate::error::ProxyError;
use crate::purge::{authorised, entries, PurgeRequest, Report, WorkersCache, MAX_BODY_BYTES};

#[wasm_bindgen(inline_js = r#"
// Workers Cache's purge by tag. `cache` from cloudflare:workers is ctx.cache; workers-rs
// does not expose ctx's, and a namespace reads as undefined where a runtime has no such
// export. Imported when called, not at the top: a static import of a runtime module would
// stop this glue loading anywhere else (the Wasm tests run it in Node). Resolves to null
// where there is no purge to call (local workerd has none), "" once purged, or what the
// runtime said when it refused.
export async function purge_tags(tags) {
  let workers;
  try {
    workers = await import("cloudflare:workers");
  } catch {
    return null;
  }
  if (typeof workers.cache?.purge !== "function") {
    return null;
  }
  const result = await workers.cache.purge({ tags });
  return result?.success === false ? JSON.stringify(result.errors ?? "refused") : "";
}
"#)]
extern "C" {
    fn purge_tags(tags: js_sys::Array) -> js_sys::Promise;
}

/// Answers a purge request with what it reached.
pub async fn run(mut req: Request, cx: &Cx<'_>) -> Result<worker::Response, ProxyError> {
    let body = authorised_body(&mut req, cx, MAX_BODY_BYTES).await?;
    let request = PurgeRequest::parse(&body)?;
    let origin = req.url().map_err(internal)?.origin().ascii_serialization();
    let report = delete(&request, &origin, cx).await?;
    respond::json(&report)
}

/// The body of a request from a holder of `PURGE_TOKEN` (`POST /purge`, `POST /warm`): the
/// caller checked first, then only a declared body of at most `max_bytes` read.
pub async fn authorised_body(
    req: &mut Request,
    cx: &Cx<'_>,
    max_bytes: usize,
) -> Result<Vec<u8>, ProxyError> {
    let token = cx.config.purge_token.as_deref().ok_or(ProxyError::Unauthorized)?;
    let header = |name: &str| req.headers().get(name).ok().flatten();
    if !authorised(header("authorization").as_deref(), token) {
        return Err(ProxyError::Unauthorized);
    }
    let length: Option<usize> = header("content-length").and_then(|v| v.trim().parse().ok());
    if length.is_none_or(|length| length > max_bytes) {
        return Err(ProxyError::BadOptions(format!("send a JSON body of at most {max_bytes} bytes")));
    }
    req.bytes().await.map_err(|e| ProxyError::BadOptions(format!("unreadable body: {e}")))
}

/// Deletes every entry the request's URLs may be stored under, in the edge cache (under
/// `origin`) and in the tier, then purges their sources' tags from Workers Cache. Every URL is
/// parsed before anything is deleted, so a bad one deletes nothing.
async fn delete(request: &PurgeRequest, origin: &str, cx: &Cx<'_>) -> Result<Report, ProxyError> {
    let all =
        request.urls.iter().map(|url| entries(url, &cx.config.security)).collect::<Result<Vec<_>, _>>()?;
    let bucket = tier::bucket(cx.env);
    let (mut looked_up, mut deleted, mut tier_deleted) = (0, 0, 0);
    for path in all.iter().flat_map(|entries| &entries.cache_paths) {
        looked_up += 1;
        deleted += u32::from(cache::delete(&format!("{origin}{path}")).await);
        if let Some(bucket) = &bucket {
            tier_deleted += u32::from(tier::delete(bucket, &tier_key(path)).await);
        }
    }
    let mut tags: Vec<String> = all.into_iter().map(|entries| entries.source_tag).collect();
    tags.sort();
    tags.dedup();
    let workers_cache = purge_workers_cache(tags).await;
    Ok(Report::new(looked_up, deleted, bucket.map(|_| tier_deleted), workers_cache))
}

/// Purges `tags` from Workers Cache, where the runtime offers it: one call, since a purge
/// request names at most 100 URLs and a call takes 100 tags.
async fn purge_workers_cache(tags: Vec<String>) -> WorkersCache {
    let list: js_sys::Array = tags.iter().map(|tag| JsValue::from_str(tag)).collect();
    match JsFuture::from(purge_tags(list)).await {
        Ok(outcome) if outcome.is_null() => WorkersCache::NotOffered,
        Ok(outcome) => match outcome.as_string().filter(|refused| !refused.is_empty()) {
            None => WorkersCache::Purged(tags),
            Some(refused) => WorkersCache::Failed(refused),
        },
        Err(error) => WorkersCache::Failed(format!("{error:?}")),
    }
}
