//! Reading an upstream body into Wasm memory, never more than a cap and never more than the
//! memory budget has room for. A body that turns out larger than the cap, or that finds no
//! room, is not an error: what was read is sent first, then the rest of the stream,
//! untouched.

use futures_util::{stream, StreamExt};
use worker::{ByteStream, Response, ResponseBody};

use super::guard::CHUNK_BYTES;
use super::room;
use crate::budget::Reservation;
use crate::error::ProxyError;
use crate::stats;

/// An upstream body after reading up to the cap.
pub enum Body {
    /// The whole body, at most the cap.
    Complete {
        /// The bytes.
        bytes: Vec<u8>,
        /// Their room in the budget.
        held: Reservation,
    },
    /// Read in part: the bytes read so far and the stream of the rest.
    Spilled {
        /// The bytes read so far, in order.
        prefix: Vec<Vec<u8>>,
        /// The rest of the body.
        rest: ByteStream,
        /// The prefix's room in the budget, given back once it is sent.
        held: Reservation,
        /// Why reading stopped.
        why: Spill,
    },
}

/// Why a body was not read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spill {
    /// It grew past the cap.
    TooLarge,
    /// The budget had no room for more of it.
    NoRoom,
}

/// Reads `response`'s body into `held` (which may already hold room for it), stopping as
/// soon as it grows past `cap` bytes or the budget has no room for the next chunk.
///
/// `held` counts the buffer's capacity, not its length: that is what occupies memory. A
/// declared length is allocated at once; an unknown one doubles from the first chunk, but
/// never past the cap and one chunk, so a body that spills has taken at most that (and, for
/// the moment of the last reallocation, the buffer before it).
pub async fn read_capped(
    response: &mut Response,
    cap: u64,
    declared: Option<u64>,
    mut held: Reservation,
) -> Result<Body, ProxyError> {
    if matches!(response.body(), ResponseBody::Empty) {
        return Ok(Body::Complete { bytes: Vec::new(), held });
    }
    let mut chunks = response.stream().map_err(|e| ProxyError::UpstreamFailed(e.to_string()))?;
    let ceiling = (cap + u64::from(CHUNK_BYTES)) as usize;
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(cap) as usize);
    while let Some(chunk) = chunks.next().await {
        // The guard reports silences, lengths that lie and broken connections as errors.
        let chunk = chunk.map_err(|e| ProxyError::UpstreamFailed(format!("body broke off: {e}")))?;
        let needed = bytes.len() + chunk.len();
        if needed > bytes.capacity() {
            let target = (bytes.capacity() * 2).min(ceiling).max(needed);
            let more = (target as u64).saturating_sub(held.bytes());
            if more > 0 && room::grow(&mut held, more).await.is_err() {
                return Ok(Body::Spilled {
                    prefix: vec![bytes, chunk],
                    rest: chunks,
                    held,
                    why: Spill::NoRoom,
                });
            }
            bytes.reserve_exact(target - bytes.len());
        }
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > cap {
            return Ok(Body::Spilled { prefix: vec![bytes], rest: chunks, held, why: Spill::TooLarge });
        }
    }
    Ok(Body::Complete { bytes, held })
}

/// The prefix, then the rest of the stream, chunk by chunk (each at most the guard's chunk
/// size); counted as pass-through bytes. The prefix's room is given back once it is sent.
pub fn spill_stream(
    prefix: Vec<Vec<u8>>,
    rest: ByteStream,
    held: Reservation,
) -> impl futures_util::Stream<Item = worker::Result<Vec<u8>>> + 'static {
    let prefix_len: u64 = prefix.iter().map(|part| part.len() as u64).sum();
    stats::record(|c| c.passthrough_bytes += prefix_len);
    // The prefix's room goes back as its last part is handed on.
    let parts = prefix.len();
    let mut held = Some(held);
    let head = stream::iter(prefix.into_iter().enumerate().map(move |(index, part)| {
        if index + 1 == parts {
            held.take();
        }
        Ok(part)
    }));
    head.chain(rest.map(|chunk| {
        if let Ok(bytes) = &chunk {
            let len = bytes.len() as u64;
            stats::record(|c| c.passthrough_bytes += len);
        }
        chunk
    }))
}
