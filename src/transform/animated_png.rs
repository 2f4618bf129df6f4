//! Animated PNG (APNG) output: frames written one behind, each as the rectangle that changed
//! over the frame before. PNG is lossless, so a rectangle that replaces what was under it
//! (blend `SOURCE`, transparency included) and stays in place (dispose `NONE`) leaves the
//! canvas exactly as the frame is: no frame depends on how another was compressed. A frame
//! that repeats the one before is not written: the one before stays up longer.
//!
//! Each rectangle is compressed by the still PNG encoder ([`encode::encode`]), and its `IDAT`
//! chunks become the frame's data: `IDAT` for the first frame (the whole canvas, which is
//! also what a decoder without APNG shows), `fdAT` after it. The container around them
//! (signature, `IHDR`, `acTL`, `fcTL`, `IEND`) is written here rather than by the `png`
//! crate's APNG writer, which must be told the number of frames before the first one and
//! refuses to finish with fewer: that number is known only at the end, once repeats are
//! merged and frames that do not decode are dropped.
//!
//! Each frame's chunks are kept in a buffer of their exact size, and joined behind the
//! header by [`Writer::finish`] into one buffer of the file's exact size: at most twice the
//! output is held (at the join), where one buffer grown as frames come would hold up to
//! three times it while it grows (its old and new allocations, the new one twice as large).

use std::ops::Range;

use super::animated_gif::{differences, Rect};
use super::describe::png_chunk_spans;
use super::encode::{self, Written};
use super::Pixels;
use crate::error::ProxyError;
use crate::format::OutputFormat;

/// The PNG signature.
const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// `IHDR` after the size: 8 bits a sample, colour type 6 (RGBA), deflate, adaptive
/// filtering, not interlaced; what the still encoder writes for RGBA pixels.
const RGBA8: [u8; 5] = [8, 6, 0, 0, 0];

/// `fcTL`'s dispose op `NONE` and blend op `SOURCE`.
const KEEP_AND_REPLACE: [u8; 2] = [0, 0];

/// A frame pushed but not yet written: whether the next one repeats it decides how long it
/// shows.
struct Pending {
    /// The frame, RGBA.
    rgba: Vec<u8>,
    /// Where it differs from the frame before (all of the canvas for the first).
    area: Rect,
    /// How long it shows, in milliseconds.
    duration_ms: u32,
}

/// Frames written one behind, each compared with the one before.
pub(super) struct Writer {
    /// Times the animation plays, 0 for forever (the `acTL` chunk's play count).
    plays: u32,
    size: Option<(u32, u32)>,
    /// The chunks of each frame written: `fcTL`, then `IDAT` or `fdAT`.
    frames: Vec<Vec<u8>>,
    pending: Option<Pending>,
    /// The next `fcTL` or `fdAT` sequence number.
    sequence: u32,
}

impl Writer {
    /// A writer of an animation that plays `plays` times (0: forever).
    pub fn new(plays: u32) -> Writer {
        Writer { plays, size: None, frames: Vec::new(), pending: None, sequence: 0 }
    }

    /// Adds a frame shown for `duration_ms` milliseconds.
    pub fn push(&mut self, pixels: Pixels, duration_ms: u32) -> Result<(), ProxyError> {
        let size = pixels.dimensions();
        if *self.size.get_or_insert(size) != size {
            return Err(ProxyError::Internal("frames of an animation differ in size".into()));
        }
        let rgba = pixels.into_rgba();
        let area = match &mut self.pending {
            None => Rect {
                left: 0,
                top: 0,
                right: side(size.0).saturating_sub(1),
                bottom: side(size.1).saturating_sub(1),
            },
            Some(pending) => match differences(&pending.rgba, &rgba, side(size.0)).0 {
                Some(changed) => changed,
                None => {
                    pending.duration_ms = pending.duration_ms.saturating_add(duration_ms);
                    return Ok(());
                }
            },
        };
        self.write_pending()?;
        self.pending = Some(Pending { rgba, area, duration_ms });
        Ok(())
    }

    /// Writes the pending frame: its `fcTL`, then its rectangle's compressed rows.
    fn write_pending(&mut self) -> Result<(), ProxyError> {
        let (Some(Pending { rgba, area, duration_ms }), Some((width, _))) = (self.pending.take(), self.size)
        else {
            return Ok(());
        };
        let (area_width, area_height) = (area.right - area.left + 1, area.bottom - area.top + 1);
        let mut patch = Vec::with_capacity(area_width * area_height * 4);
        for row in area.top..=area.bottom {
            let start = (row * side(width) + area.left) * 4;
            let pixels = rgba.get(start..start + area_width * 4);
            patch.extend_from_slice(pixels.ok_or_else(|| ProxyError::Internal("a frame too short".into()))?);
        }
        // Frees the frame before the rectangle is compressed: memory holds one frame less.
        drop(rgba);
        let patch = Pixels::Rgba8 { width: edge(area_width), height: edge(area_height), data: patch };
        // PNG is lossless: the quality is not read.
        let still = encode::encode(&patch, OutputFormat::Png, 100, None, None)?.bytes;
        drop(patch);
        let data = image_data(&still)?;

        let first = self.frames.is_empty();
        // fcTL, then each IDAT chunk as an IDAT (first frame) or an fdAT with its number.
        let size = 12 + 26 + data.iter().map(|d| 12 + d.len() + if first { 0 } else { 4 }).sum::<usize>();
        let mut frame = Vec::with_capacity(size);
        let (numerator, denominator) = delay(duration_ms);
        let mut control = Vec::with_capacity(26);
        control.extend(self.next_sequence().to_be_bytes());
        for value in [area_width, area_height, area.left, area.top] {
            control.extend(edge(value).to_be_bytes());
        }
        control.extend(numerator.to_be_bytes());
        control.extend(denominator.to_be_bytes());
        control.extend(KEEP_AND_REPLACE);
        push_chunk(&mut frame, b"fcTL", &[&control]);
        for data in data {
            let data = still.get(data).unwrap_or_default();
            if first {
                push_chunk(&mut frame, b"IDAT", &[data]);
            } else {
                let sequence = self.next_sequence().to_be_bytes();
                push_chunk(&mut frame, b"fdAT", &[&sequence, data]);
            }
        }
        self.frames.push(frame);
        Ok(())
    }

    fn next_sequence(&mut self) -> u32 {
        let sequence = self.sequence;
        self.sequence += 1;
        sequence
    }

    /// Writes the last frame, and the file: signature, `IHDR`, `acTL` with the number of
    /// frames written, the frames and `IEND`.
    pub fn finish(mut self) -> Result<Written, ProxyError> {
        self.write_pending()?;
        let (Some((width, height)), false) = (self.size, self.frames.is_empty()) else {
            return Err(ProxyError::UndecodableImage("the animation has no frames".into()));
        };
        let written = u32::try_from(self.frames.len()).unwrap_or(u32::MAX);
        // The signature, IHDR (13 bytes) and acTL (8), the frames, IEND (empty).
        let size = 8 + (12 + 13) + (12 + 8) + self.frames.iter().map(Vec::len).sum::<usize>() + 12;
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(SIGNATURE);
        push_chunk(&mut out, b"IHDR", &[&width.to_be_bytes(), &height.to_be_bytes(), &RGBA8]);
        push_chunk(&mut out, b"acTL", &[&written.to_be_bytes(), &self.plays.to_be_bytes()]);
        // Each frame is freed once copied.
        for frame in self.frames.drain(..) {
            out.extend_from_slice(&frame);
        }
        push_chunk(&mut out, b"IEND", &[]);
        Ok(Written { bytes: out, size: (width, height), frames_written: written })
    }
}

/// The payloads of a PNG file's `IDAT` chunks: its compressed rows.
fn image_data(png: &[u8]) -> Result<Vec<Range<usize>>, ProxyError> {
    let mut data = Vec::new();
    for chunk in png_chunk_spans(png) {
        let Some((kind, payload)) = chunk else {
            return Err(ProxyError::Internal("the PNG encoder wrote a broken chunk".into()));
        };
        if &kind == b"IDAT" {
            data.push(payload);
        }
    }
    Ok(data)
}

/// An `fcTL` delay: milliseconds where they fit 16 bits, else hundredths, else seconds.
fn delay(duration_ms: u32) -> (u16, u16) {
    let fits = |value: u32| u16::try_from(value).ok();
    match (fits(duration_ms), fits(duration_ms / 10)) {
        (Some(ms), _) => (ms, 1000),
        (None, Some(hundredths)) => (hundredths, 100),
        (None, None) => (fits(duration_ms / 1000).unwrap_or(u16::MAX), 1),
    }
}

/// Appends a chunk: its length, its type, the payload given in parts, and the CRC of type
/// and payload.
fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], parts: &[&[u8]]) {
    let length: usize = parts.iter().map(|part| part.len()).sum();
    // Payloads here are one frame's compressed rows, far below 2 GiB: the output's bound is
    // checked against the memory budget before any frame is encoded.
    out.extend(u32::try_from(length).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(kind);
    parts.iter().for_each(|part| out.extend_from_slice(part));
    out.extend(crc(kind, parts).to_be_bytes());
}

/// The CRC-32 of a chunk's type and payload.
fn crc(kind: &[u8; 4], parts: &[&[u8]]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind);
    parts.iter().for_each(|part| hasher.update(part));
    hasher.finalize()
}

/// A side or offset, as the `Rect` arithmetic holds it.
fn side(value: u32) -> usize {
    value as usize
}

/// A side or offset within the canvas, whose sides are `u32`.
fn edge(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_keep_their_milliseconds_where_16_bits_allow() {
        assert_eq!(delay(40), (40, 1000));
        assert_eq!(delay(65_535), (65_535, 1000));
        assert_eq!(delay(120_000), (12_000, 100));
        assert_eq!(delay(10_000_000), (10_000, 1));
        assert_eq!(delay(u32::MAX), (u16::MAX, 1));
    }
}
