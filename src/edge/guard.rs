//! Every upstream body is read through a guard: a stream that cuts the body when the origin
//! goes quiet for `UPSTREAM_IDLE_TIMEOUT_MS`, cuts it when it grows past a byte limit, and
//! fails it when it ends at another length than it declared, and hands on chunks of at most
//! [`CHUNK_BYTES`]. Cutting means erroring the stream, so the
//! client's response ends as broken, never as a clean short body.
//!
//! The guard is JavaScript so that a pass-through body never enters Wasm memory: its chunks
//! go from the upstream to the client through the runtime alone. A body with a declared
//! length leaves the guard through the runtime's `FixedLengthStream`, so that its response
//! keeps `Content-Length` (a script stream of unknown length would be sent chunked). It pulls one chunk only
//! when its reader asks for one (`highWaterMark: 0`), so nothing is read from the upstream
//! before the client has taken what was read before; and cancelling it (a client that went
//! away) cancels the upstream read.

use wasm_bindgen::prelude::wasm_bindgen;
use worker::web_sys::ReadableStream;

/// The largest chunk handed on. Rust reading a guarded body therefore never holds more than
/// this of it at a time beyond what it chose to keep.
pub const CHUNK_BYTES: u32 = 64 * 1024;

#[wasm_bindgen(inline_js = r#"
export function guard(body, idleMs, maxChunk, maxBytes, declared) {
  const reader = body.getReader();
  let pending = null; // the unsent rest of a chunk larger than maxChunk
  let seen = 0;
  async function next() {
    let timer;
    const idle = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the upstream sent nothing for ${idleMs} ms`)), idleMs);
    });
    try {
      return await Promise.race([reader.read(), idle]);
    } finally {
      clearTimeout(timer);
    }
  }
  const guarded = new ReadableStream({
    async pull(controller) {
      try {
        if (pending === null) {
          const { done, value } = await next();
          if (done) {
            // Some broken connections read as a clean end: the declared length tells.
            if (declared >= 0 && seen !== declared) {
              throw new Error(`the upstream body ended after ${seen} of ${declared} declared bytes`);
            }
            controller.close();
            return;
          }
          seen += value.byteLength;
          if (maxBytes > 0 && seen > maxBytes) {
            throw new Error(`the upstream body is larger than ${maxBytes} bytes`);
          }
          pending = value;
        }
        const chunk = pending.subarray(0, maxChunk);
        pending = pending.byteLength > maxChunk ? pending.subarray(maxChunk) : null;
        controller.enqueue(chunk);
      } catch (error) {
        reader.cancel(error).catch(() => {});
        controller.error(error);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  if (declared < 0 || typeof FixedLengthStream !== "function") {
    return guarded;
  }
  // A stream of known length keeps the Content-Length on the way to the client, and the
  // runtime checks the count too.
  const fixed = new FixedLengthStream(declared);
  guarded.pipeTo(fixed.writable).catch(() => {});
  return fixed.readable;
}
"#)]
extern "C" {
    /// `body` behind the guard; `max_bytes` 0 means no limit, `declared` -1 no declared length.
    #[wasm_bindgen(js_name = guard)]
    fn guard_js(
        body: &ReadableStream,
        idle_ms: f64,
        max_chunk: u32,
        max_bytes: f64,
        declared: f64,
    ) -> ReadableStream;
}

/// The limits a guard enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest silence between chunks, in milliseconds.
    pub idle_ms: u64,
    /// Most bytes let through; `None` for no limit.
    pub max_bytes: Option<u64>,
    /// The upstream's `Content-Length`: a body that ends at another length is broken.
    pub declared: Option<u64>,
}

/// `body` behind a guard with these limits.
pub fn guard(body: &ReadableStream, limits: Limits) -> ReadableStream {
    // Byte counts are far below 2^53, where f64 stops being exact.
    let declared = limits.declared.map_or(-1.0, |length| length as f64);
    guard_js(body, limits.idle_ms as f64, CHUNK_BYTES, limits.max_bytes.unwrap_or(0) as f64, declared)
}
