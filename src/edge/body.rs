//! Reading an upstream body into Wasm memory, never more than a cap and never more than the
//! memory budget has room for. A body that turns out larger than the cap, or that finds no
//! room, is not an error: what was read is sent first, then the rest of the stream, untouched.
//!
//! Only a body that will be transformed enters Wasm, once it is known to be complete. A body
//! that spills goes from the upstream to the client through JavaScript alone, as a body known
//! to be large from the start does: streaming 200 MiB through Wasm chunk by chunk took 13.8 s
//! where this takes about 1 s, and grew the Wasm memory for good.

use js_sys::Uint8Array;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::ReadableStream;
use worker::{Context, Response, ResponseBody};

use super::guard::{spill, CHUNK_BYTES};
use super::room;
use crate::budget::Reservation;
use crate::error::ProxyError;
use crate::plan::Spill;
use crate::stats;

#[wasm_bindgen(inline_js = r#"
// A reader that fills buffers of our size: the default reader of the runtime's streams hands
// on about 4 KiB a read, so a 5 MiB body took some 1,300 reads, each a trip through the event
// loop behind whatever else the isolate was running (a 6 MiB source took up to 15 s to pass
// through while transforms kept the isolate busy).
export function open_reader(stream) {
  return stream.getReader({ mode: "byob" });
}

// The next chunk, `size` bytes unless the body ends first, or undefined at the end. Waiting
// for a full chunk costs nothing in time (the body is read whole before anything is sent)
// and the guard, upstream of this reader, still times each of the upstream's silences. The
// chunks are kept, so one that fills less than half its buffer is copied into a buffer of
// its own size.
export async function next_chunk(reader, size) {
  const { done, value } = await reader.read(new Uint8Array(size), { min: size });
  if (done) {
    return undefined;
  }
  return value.byteLength * 2 < value.buffer.byteLength ? value.slice() : value;
}

export function release(reader) {
  reader.releaseLock();
}
"#)]
extern "C" {
    fn open_reader(stream: &ReadableStream) -> JsValue;
    fn next_chunk(reader: &JsValue, size: u32) -> js_sys::Promise;
    fn release(reader: &JsValue);
}

/// An upstream body after reading up to the cap.
pub enum Body {
    /// The whole body, at most the cap.
    Complete {
        /// The bytes.
        bytes: Vec<u8>,
        /// Their room in the budget.
        held: Reservation,
        /// How many reads they took (told in Server-Timing).
        reads: u32,
    },
    /// Read in part: the bytes read so far and the stream of the rest.
    Spilled(Spilled),
}

/// A body read in part.
pub struct Spilled {
    /// The chunks read so far, in order: JavaScript values that never entered Wasm memory.
    prefix: js_sys::Array,
    /// The rest of the body, not yet read.
    rest: ReadableStream,
    /// The prefix's room in the budget, given back once it is sent.
    held: Reservation,
    /// Why reading stopped.
    pub why: Spill,
}

/// Reads `response`'s body into `held` (which may already hold room for it), stopping as
/// soon as it grows past `cap` bytes or the budget has no room for the next chunk.
///
/// The chunks stay JavaScript values until the body is known to be complete; only then are
/// they copied into one Wasm buffer of exactly the body's size. So a body that spills never
/// entered Wasm memory at all, and an unknown length costs no doubling reallocations there
/// (Wasm memory never shrinks: a 5 MiB cap reached by doubling left it 14 MB larger for
/// good). `held` grows with the chunks as they arrive; for the moment of the copy, the
/// chunks and the buffer both exist, the chunks' memory going back to the JavaScript heap.
pub async fn read_capped(response: &Response, cap: u64, mut held: Reservation) -> Result<Body, ProxyError> {
    let ResponseBody::Stream(stream) = response.body() else {
        return Ok(Body::Complete { bytes: Vec::new(), held, reads: 0 });
    };
    let reader = open_reader(stream);
    let chunks = js_sys::Array::new();
    let mut length: u64 = 0;
    loop {
        // The guard reports silences, lengths that lie and broken connections as errors.
        let chunk = JsFuture::from(next_chunk(&reader, CHUNK_BYTES))
            .await
            .map_err(|e| ProxyError::UpstreamFailed(format!("body broke off: {}", message(&e))))?;
        let Some(chunk) = chunk.dyn_ref::<Uint8Array>() else { break };
        chunks.push(chunk);
        length += u64::from(chunk.length());
        let more = length.saturating_sub(held.bytes());
        let why = if length > cap {
            Spill::TooLarge
        } else if more > 0 && room::grow(&mut held, more).await.is_err() {
            Spill::NoRoom
        } else {
            continue;
        };
        release(&reader);
        return Ok(Body::Spilled(Spilled { prefix: chunks, rest: stream.clone(), held, why }));
    }
    Ok(Body::Complete { bytes: concatenated(&chunks, length), held, reads: chunks.length() })
}

/// The chunks one after another, in one buffer of exactly `length` bytes.
fn concatenated(chunks: &js_sys::Array, length: u64) -> Vec<u8> {
    let mut bytes = vec![0; length as usize];
    let mut start = 0;
    for chunk in chunks.iter() {
        let chunk: Uint8Array = chunk.unchecked_into();
        let end = start + chunk.length() as usize;
        if let Some(part) = bytes.get_mut(start..end) {
            chunk.copy_to(part);
        }
        start = end;
    }
    bytes
}

/// What a JavaScript error says.
fn message(error: &JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => error.message().into(),
        None => error.as_string().unwrap_or_else(|| format!("{error:?}")),
    }
}

impl Spilled {
    /// The whole body again: the prefix, then the rest as the runtime reads it. The prefix's
    /// room in the budget is given back once the body has gone (under `wait_until`, so the
    /// bookkeeping happens on behalf of this request whatever else the isolate serves).
    pub fn into_stream(self, ctx: &Context) -> ReadableStream {
        let prefix_len: f64 =
            self.prefix.iter().map(|part| part.unchecked_into::<Uint8Array>().length() as f64).sum();
        stats::record(|c| c.passthrough_bytes += prefix_len as u64);
        let parts = spill(&self.prefix, &self.rest, CHUNK_BYTES);
        let done: js_sys::Promise = parts.get(1).unchecked_into();
        let held = self.held;
        ctx.wait_until(async move {
            let _ = JsFuture::from(done).await;
            drop(held);
        });
        parts.get(0).unchecked_into()
    }
}
