//! Animated WebP output. Each frame is encoded as a still WebP by the encoders still images
//! use (lossy at the asked quality, or lossless when that is smaller), and its bitstream
//! chunks (`ALPH`, `VP8 `, `VP8L`) are wrapped in an `ANMF` frame chunk behind the `VP8X`
//! and `ANIM` headers: the extended container of the WebP specification (RFC 9649, section
//! 2.7). That container is all that no permissive pure-Rust crate writes (see `animation`),
//! and it is a few dozen lines.
//!
//! Every frame covers the whole canvas and replaces it (no blending, no disposal), so what
//! a frame shows never depends on lossy pixels of the frame before. A frame that repeats the
//! one before is not written again: the one before stays up longer.

use super::describe::webp_chunk_spans;
use super::encode::{self, Written};
use super::Pixels;
use crate::error::ProxyError;

/// The `ANMF` flags byte: bit 1 set means "do not blend" (the frame replaces what is under
/// it, transparency included); bit 0 clear means "do not dispose".
const REPLACE_WITHOUT_DISPOSAL: u8 = 0b10;

/// The `VP8X` flags for an animation, and for alpha.
const ANIMATION_FLAG: u8 = 0b0000_0010;
const ALPHA_FLAG: u8 = 0b0001_0000;

/// The largest side the container and the lossy bitstream can describe.
const MAX_SIDE: u32 = 16_383;

/// The longest frame duration the container holds: 24 bits of milliseconds.
const MAX_DURATION_MS: u32 = 0xFF_FFFF;

/// Frames written one behind, so that a repeat only lengthens the frame before.
pub(super) struct Writer {
    quality: u8,
    /// Times the animation plays, 0 for forever (the `ANIM` chunk's loop count).
    loop_count: u16,
    size: Option<(u32, u32)>,
    has_alpha: bool,
    /// The `ANMF` chunks written so far.
    frames: Vec<u8>,
    /// The last frame pushed and how long it shows, in milliseconds.
    pending: Option<(Pixels, u32)>,
    written: u32,
}

impl Writer {
    /// A writer of frames at `quality`, for an animation that plays `loop_count` times (0:
    /// forever).
    pub fn new(quality: u8, loop_count: u16) -> Writer {
        Writer {
            quality,
            loop_count,
            size: None,
            has_alpha: false,
            frames: Vec::new(),
            pending: None,
            written: 0,
        }
    }

    /// Adds a frame shown for `duration_ms` milliseconds.
    pub fn push(&mut self, pixels: Pixels, duration_ms: u32) -> Result<(), ProxyError> {
        let size = pixels.dimensions();
        if size.0 > MAX_SIDE || size.1 > MAX_SIDE {
            return Err(ProxyError::UndecodableImage(format!("{}x{} is too large for WebP", size.0, size.1)));
        }
        if *self.size.get_or_insert(size) != size {
            return Err(ProxyError::Internal("frames of an animation differ in size".into()));
        }
        if let Some((shown, shown_for)) = &mut self.pending {
            if *shown == pixels {
                *shown_for = shown_for.saturating_add(duration_ms);
                return Ok(());
            }
        }
        self.write_pending()?;
        self.pending = Some((pixels, duration_ms));
        Ok(())
    }

    fn write_pending(&mut self) -> Result<(), ProxyError> {
        let Some((pixels, duration_ms)) = self.pending.take() else {
            return Ok(());
        };
        let (width, height) = pixels.dimensions();
        self.has_alpha |= matches!(pixels, Pixels::Rgba8 { .. });
        let still = encode::webp(&pixels, self.quality, None)?;
        let bitstream = bitstream_chunks(&still.bytes)
            .ok_or_else(|| ProxyError::Internal("the WebP encoder wrote an unexpected container".into()))?;
        let mut frame = Vec::with_capacity(16 + bitstream.len());
        // Offset (x/2, y/2), then width - 1 and height - 1, all 24-bit; sides are at least 1.
        frame.extend(u24(0));
        frame.extend(u24(0));
        frame.extend(u24(width.saturating_sub(1)));
        frame.extend(u24(height.saturating_sub(1)));
        frame.extend(u24(duration_ms.min(MAX_DURATION_MS)));
        frame.push(REPLACE_WITHOUT_DISPOSAL);
        frame.extend_from_slice(bitstream);
        push_chunk(&mut self.frames, b"ANMF", &frame);
        self.written += 1;
        Ok(())
    }

    /// Writes the last frame and the headers in front of all the frames.
    pub fn finish(mut self) -> Result<Written, ProxyError> {
        self.write_pending()?;
        let size =
            self.size.ok_or_else(|| ProxyError::UndecodableImage("the animation has no frames".into()))?;
        let mut header = Vec::with_capacity(10);
        header.push(ANIMATION_FLAG | if self.has_alpha { ALPHA_FLAG } else { 0 });
        header.extend([0; 3]);
        header.extend(u24(size.0.saturating_sub(1)));
        header.extend(u24(size.1.saturating_sub(1)));
        let mut anim = Vec::with_capacity(6);
        // Background colour (a hint players may ignore): transparent.
        anim.extend([0; 4]);
        anim.extend(self.loop_count.to_le_bytes());

        let mut body = Vec::with_capacity(4 + 18 + 14 + self.frames.len());
        body.extend_from_slice(b"WEBP");
        push_chunk(&mut body, b"VP8X", &header);
        push_chunk(&mut body, b"ANIM", &anim);
        body.append(&mut self.frames);
        let mut bytes = Vec::with_capacity(8 + body.len());
        bytes.extend_from_slice(b"RIFF");
        bytes.extend(chunk_size(body.len())?.to_le_bytes());
        bytes.append(&mut body);
        Ok(Written { bytes, size, frames_written: self.written })
    }
}

/// The bitstream chunks of a still WebP file as they stand (headers, payloads and padding):
/// from the optional `ALPH` to the `VP8 ` or `VP8L` chunk, which is last. `None` when the
/// file is not a WebP this module's encoders write.
fn bitstream_chunks(file: &[u8]) -> Option<&[u8]> {
    if file.get(..4)? != b"RIFF" || file.get(8..12)? != b"WEBP" {
        return None;
    }
    let mut start = None;
    for chunk in webp_chunk_spans(file) {
        let (fourcc, span) = chunk?;
        match &fourcc {
            b"ALPH" => start = start.or(Some(span.start)),
            b"VP8 " | b"VP8L" => return file.get(start.unwrap_or(span.start)..span.end),
            _ => {}
        }
    }
    None
}

/// Appends a RIFF chunk: its tag, its size, its payload and a pad byte to an even size.
fn push_chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], payload: &[u8]) {
    out.extend_from_slice(fourcc);
    // Payloads here are frames and headers far below 4 GiB: the output's bound is checked
    // against the memory budget before any frame is encoded.
    out.extend(u32::try_from(payload.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(payload);
    if payload.len() % 2 == 1 {
        out.push(0);
    }
}

fn chunk_size(len: usize) -> Result<u32, ProxyError> {
    u32::try_from(len).map_err(|_| ProxyError::Internal("the animation is over 4 GiB".into()))
}

/// The low 24 bits, little-endian.
fn u24(value: u32) -> [u8; 3] {
    let [a, b, c, _] = value.to_le_bytes();
    [a, b, c]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(colour: [u8; 4]) -> Pixels {
        Pixels::Rgba8 { width: 4, height: 2, data: colour.repeat(8) }
    }

    #[test]
    fn a_repeated_frame_lengthens_the_one_before() {
        let mut writer = Writer::new(80, 0);
        for (colour, ms) in [([255, 0, 0, 255], 100), ([255, 0, 0, 255], 50), ([0, 0, 255, 255], 70)] {
            assert!(writer.push(frame(colour), ms).is_ok());
        }
        // A unit test on fixed 4×2 frames, not input: failing loudly here is the point.
        let Ok(animation) = writer.finish() else { panic!("two frames to write") };
        assert_eq!(animation.frames_written, 2);
        // The first ANMF chunk follows RIFF/WEBP (12), VP8X (18) and ANIM (14); its duration
        // is at 8 + 12 within it.
        let first = 12 + 18 + 14;
        assert_eq!(animation.bytes.get(first..first + 4), Some(&b"ANMF"[..]));
        assert_eq!(animation.bytes.get(first + 20..first + 23), Some(&u24(150)[..]));
    }

    #[test]
    fn frames_of_another_size_are_refused() {
        let mut writer = Writer::new(80, 0);
        assert!(writer.push(frame([0; 4]), 10).is_ok());
        let other = Pixels::Rgba8 { width: 2, height: 2, data: vec![0; 16] };
        assert!(writer.push(other, 10).is_err());
    }

    #[test]
    fn only_bitstream_chunks_are_taken_from_a_still() {
        let still =
            b"RIFF\x2a\0\0\0WEBPVP8X\x0a\0\0\0\x10\0\0\0\0\0\0\0\0\0ALPH\x01\0\0\0\x07\0VP8 \x02\0\0\0ab";
        assert_eq!(bitstream_chunks(still), Some(&b"ALPH\x01\0\0\0\x07\0VP8 \x02\0\0\0ab"[..]));
        assert_eq!(bitstream_chunks(b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0"), None);
    }
}
