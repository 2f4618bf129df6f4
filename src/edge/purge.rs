//! `POST /purge`: the caller and its body checked, then every entry the URLs may be stored
//! under deleted from each layer the Worker has (see [`crate::purge`]).

use worker::Request;

use super::{cache, internal, respond, tier, Cx};
use crate::cache_key::tier_key;
use crate::error::ProxyError;
use crate::purge::{authorised, cache_paths, PurgeRequest, Report, MAX_BODY_BYTES};

/// Answers a purge request with what it reached.
pub async fn run(mut req: Request, cx: &Cx<'_>) -> Result<worker::Response, ProxyError> {
    let token = cx.config.purge_token.as_deref().ok_or(ProxyError::Unauthorized)?;
    let header = |name: &str| req.headers().get(name).ok().flatten();
    if !authorised(header("authorization").as_deref(), token) {
        return Err(ProxyError::Unauthorized);
    }
    // Only a declared, small body is read.
    let length: Option<usize> = header("content-length").and_then(|v| v.trim().parse().ok());
    if length.is_none_or(|length| length > MAX_BODY_BYTES) {
        return Err(ProxyError::BadOptions(format!("send a JSON body of at most {MAX_BODY_BYTES} bytes")));
    }
    let body = req.bytes().await.map_err(|e| ProxyError::BadOptions(format!("unreadable body: {e}")))?;
    let request = PurgeRequest::parse(&body)?;
    let origin = req.url().map_err(internal)?.origin().ascii_serialization();
    let report = delete(&request, &origin, cx).await?;
    respond::json(&report)
}

/// Deletes every entry the request's URLs may be stored under, in the edge cache (under
/// `origin`) and in the tier.
async fn delete(request: &PurgeRequest, origin: &str, cx: &Cx<'_>) -> Result<Report, ProxyError> {
    let bucket = tier::bucket(cx.env);
    let (mut looked_up, mut deleted, mut tier_deleted) = (0, 0, 0);
    for url in &request.urls {
        for path in cache_paths(url)? {
            looked_up += 1;
            deleted += u32::from(cache::delete(&format!("{origin}{path}")).await);
            if let Some(bucket) = &bucket {
                tier_deleted += u32::from(tier::delete(bucket, &tier_key(&path)).await);
            }
        }
    }
    Ok(Report::new(looked_up, deleted, bucket.map(|_| tier_deleted)))
}
