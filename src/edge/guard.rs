//! Every upstream body is read through a guard that cuts the body when the origin goes quiet
//! for `UPSTREAM_IDLE_TIMEOUT_MS`, cuts it when it grows past a byte limit, fails it when it
//! ends at another length than it declared, and moves it in chunks of at most [`CHUNK_BYTES`]
//! (read into buffers of that size: per-chunk script work is what limits throughput, and
//! default reads of whatever the runtime hands on made a 200 MiB pass-through six to eight
//! times slower).
//! Cutting means erroring the stream, so the client's response ends as broken, never as a
//! clean short body.
//!
//! The guard is JavaScript so that a pass-through body never enters Wasm memory: its chunks
//! go from the upstream to the client through the runtime alone. It pumps the upstream into
//! one of the runtime's own streams (`FixedLengthStream` when the length is declared, so the
//! response keeps `Content-Length`; `IdentityTransformStream` otherwise), whose writes
//! resolve only once the reader has taken the chunk. At most four chunks are written ahead of
//! the client (1 MiB a stream at most); the upstream is not read further until the client
//! has taken the oldest. A client that goes away makes the next write fail, which cancels
//! the upstream read.
//!
//! A body read in part and then found too large to transform is handed on by the same pump
//! ([`spill`]): the chunks read so far, then the rest, through JavaScript alone.
//!
//! The pump outlives the handler, which returns the response before the body has gone: it
//! is registered with `waitUntil`, without which workerd ran its continuations, once clients
//! hung up, on behalf of other requests and failed those ("Cannot perform I/O on behalf of
//! a different request").

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::ReadableStream;
use worker::Context;

/// The largest chunk handed on. Rust reading a guarded body therefore never holds more than
/// this of it at a time beyond what it chose to keep.
pub const CHUNK_BYTES: u32 = 256 * 1024;

#[wasm_bindgen(inline_js = r#"
export function guard(body, idleMs, maxChunk, maxBytes, declared) {
  // The runtime's own streams: a write resolves only once the reader has taken the chunk,
  // and a stream of declared length keeps its Content-Length and checks the count.
  const { readable, writable } =
    declared >= 0 ? new FixedLengthStream(declared) : new IdentityTransformStream();
  const limits = { prefix: [], idleMs, maxChunk, maxBytes, declared };
  const done = pump(body.getReader({ mode: "byob" }), writable.getWriter(), limits);
  return [readable, done];
}

// `prefix` (chunks already read from a guarded body), then the rest of that body: the same
// pump, with the guard's limits already enforced upstream of it. (A native `pipeTo` here never
// finished: workerd cancelled the request as hung.)
export function spill(prefix, guarded, maxChunk) {
  const { readable, writable } = new IdentityTransformStream();
  const limits = { prefix, idleMs: 0, maxChunk, maxBytes: 0, declared: -1 };
  const done = pump(guarded.getReader({ mode: "byob" }), writable.getWriter(), limits);
  return [readable, done];
}

const IN_FLIGHT = 4;

async function pump(reader, writer, { prefix, idleMs, maxChunk, maxBytes, declared }) {
  let seen = 0;
  const inFlight = [];
  const watch = watchdog(reader, idleMs);
  // Buffers whose chunk the reader has taken come back for later reads, so a long body
  // cycles through IN_FLIGHT + 1 buffers instead of leaving one behind per chunk for the
  // garbage collector (workerd's RSS grew by 85 MiB over a 200 MiB body otherwise).
  const free = [];
  // A few writes in flight keep the connection busy; a full window waits for the reader,
  // which bounds what is held to IN_FLIGHT chunks. (A write that fails before it is awaited
  // is marked handled here and still fails the await below.)
  const send = async (value) => {
    const taken = writer.write(value).then(() => value.buffer);
    taken.catch(() => {});
    inFlight.push(taken);
    if (inFlight.length >= IN_FLIGHT) {
      const buffer = await inFlight.shift();
      // A buffer the runtime kept (detached) reads as empty and is not reused.
      if (buffer.byteLength === maxChunk) {
        free.push(buffer);
      }
    }
  };
  try {
    for (const part of prefix) {
      await send(part);
    }
    for (;;) {
      const buffer = new Uint8Array(free.pop() ?? new ArrayBuffer(maxChunk));
      const { done, value } = await watch.read(buffer);
      if (done) {
        break;
      }
      seen += value.byteLength;
      if (maxBytes > 0 && seen > maxBytes) {
        throw new Error(`the upstream body is larger than ${maxBytes} bytes`);
      }
      await send(value);
    }
    await Promise.all(inFlight);
    // Some broken connections read as a clean end: the declared length tells.
    if (declared >= 0 && seen !== declared) {
      throw new Error(`the upstream body ended after ${seen} of ${declared} declared bytes`);
    }
    await writer.close();
  } catch (error) {
    // Either side may be gone already; each is told once and its answer ignored.
    writer.abort(error).catch(() => {});
    reader.cancel(error).catch(() => {});
  } finally {
    watch.stop();
  }
}

// Reads from `reader` that fail once a read has waited `idleMs` (0: as long as it takes).
// One timer watches every read, re-armed only when it fires: a timer and a race per read
// cost more than the copying itself on a fast origin. Time spent waiting for the client
// is not the upstream's silence, so only time inside a read counts.
function watchdog(reader, idleMs) {
  let waitingSince = null;
  let silence = null;
  let timer = null;
  const check = () => {
    timer = null;
    if (waitingSince === null) {
      return;
    }
    const quiet = Date.now() - waitingSince;
    if (quiet >= idleMs) {
      silence = new Error(`the upstream sent nothing for ${idleMs} ms`);
      // Cancelling ends the pending read, which then reports the silence.
      reader.cancel(silence).catch(() => {});
    } else {
      timer = setTimeout(check, idleMs - quiet);
    }
  };
  return {
    async read(buffer) {
      if (idleMs === 0) {
        return reader.read(buffer);
      }
      waitingSince = Date.now();
      timer ??= setTimeout(check, idleMs);
      try {
        const result = await reader.read(buffer);
        if (silence) {
          throw silence;
        }
        return result;
      } finally {
        waitingSince = null;
      }
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
"#)]
extern "C" {
    /// `[prefix then the rest of guarded, the pump's promise]`.
    pub fn spill(prefix: &js_sys::Array, guarded: &ReadableStream, max_chunk: u32) -> js_sys::Array;

    /// `[body behind the guard, the pump's promise]`; `max_bytes` 0 means no limit,
    /// `declared` -1 no declared length.
    #[wasm_bindgen(js_name = guard)]
    fn guard_js(
        body: &ReadableStream,
        idle_ms: f64,
        max_chunk: u32,
        max_bytes: f64,
        declared: f64,
    ) -> js_sys::Array;
}

/// The limits a guard enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest silence between chunks, in milliseconds; 0 for no limit.
    pub idle_ms: u64,
    /// Most bytes let through; `None` for no limit.
    pub max_bytes: Option<u64>,
    /// The upstream's `Content-Length`: a body that ends at another length is broken.
    pub declared: Option<u64>,
}

/// `body` behind a guard with these limits. The pump runs under `ctx.wait_until`, so that
/// everything it does after the handler has answered still happens on behalf of this
/// request, whatever other requests the isolate serves meanwhile.
pub fn guard(body: &ReadableStream, limits: Limits, ctx: &Context) -> ReadableStream {
    // Byte counts are far below 2^53, where f64 stops being exact.
    let declared = limits.declared.map_or(-1.0, |length| length as f64);
    let max_bytes = limits.max_bytes.unwrap_or(0) as f64;
    let parts = guard_js(body, limits.idle_ms as f64, CHUNK_BYTES, max_bytes, declared);
    let done: js_sys::Promise = parts.get(1).unchecked_into();
    ctx.wait_until(async move {
        // The pump handles its own failures; its promise only says when it is over.
        let _ = JsFuture::from(done).await;
    });
    parts.get(0).unchecked_into()
}
