//! Reading an upstream body into Wasm memory, never more than a cap. A body that turns out
//! larger than the cap is not an error: what was read is sent first, then the rest of the
//! stream, untouched.

use futures_util::{stream, StreamExt};
use worker::{ByteStream, Response, ResponseBody};

use crate::error::ProxyError;
use crate::stats::{self, Buffered};

/// An upstream body after reading up to the cap.
pub enum Body {
    /// The whole body, at most the cap.
    Complete {
        /// The bytes.
        bytes: Vec<u8>,
        /// Counts them in `buffered_bytes` while they are held.
        held: Buffered,
    },
    /// More than the cap: the bytes read so far and the stream of the rest.
    Spilled {
        /// The bytes read so far.
        prefix: Vec<u8>,
        /// The rest of the body.
        rest: ByteStream,
        /// Counts the prefix in `buffered_bytes` while it is held.
        held: Buffered,
    },
}

/// Reads `response`'s body, stopping as soon as it grows past `cap` bytes.
pub async fn read_capped(
    response: &mut Response,
    cap: u64,
    declared: Option<u64>,
) -> Result<Body, ProxyError> {
    let mut held = Buffered::default();
    if matches!(response.body(), ResponseBody::Empty) {
        return Ok(Body::Complete { bytes: Vec::new(), held });
    }
    let mut chunks = response.stream().map_err(|e| ProxyError::UpstreamFailed(e.to_string()))?;
    // Reserve what the upstream declared (never more than the cap) to avoid regrowing.
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(cap) as usize);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| ProxyError::UpstreamFailed(format!("body broke off: {e}")))?;
        held.grow(chunk.len() as u64);
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > cap {
            return Ok(Body::Spilled { prefix: bytes, rest: chunks, held });
        }
    }
    // The runtime reports some aborted bodies as a clean end; the declared length tells.
    if declared.is_some_and(|length| length != bytes.len() as u64) {
        return Err(ProxyError::UpstreamFailed(format!(
            "body ended after {} of {} declared bytes",
            bytes.len(),
            declared.unwrap_or(0)
        )));
    }
    Ok(Body::Complete { bytes, held })
}

/// The prefix, then the rest of the stream, chunk by chunk; counted as pass-through bytes.
/// The prefix stays counted as buffered until it has been sent.
pub fn spill_stream(
    prefix: Vec<u8>,
    rest: ByteStream,
    held: Buffered,
) -> impl futures_util::Stream<Item = worker::Result<Vec<u8>>> + 'static {
    let prefix_len = prefix.len() as u64;
    stats::record(|c| c.passthrough_bytes += prefix_len);
    let head = stream::once(async move {
        drop(held);
        Ok(prefix)
    });
    head.chain(rest.map(|chunk| {
        if let Ok(bytes) = &chunk {
            let len = bytes.len() as u64;
            stats::record(|c| c.passthrough_bytes += len);
        }
        chunk
    }))
}
