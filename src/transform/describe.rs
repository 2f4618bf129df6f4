//! `format=json`: what an image is, from its header and container alone. No pixel is
//! decoded, so a request for it costs no pixel memory whatever the image's size.

use std::ops::Range;

use serde::Serialize;

use super::decode::inspect;
use super::geometry::plan_output;
use crate::error::ProxyError;
use crate::format::SourceFormat;
use crate::options::TransformOptions;

/// The `format=json` answer: Cloudflare's shape (`width`, `height` of the output and the
/// `original`), with what the header says beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Description {
    /// The output's width, were the image transformed with these options.
    pub width: u32,
    /// The output's height.
    pub height: u32,
    /// The source's format: `jpeg`, `png`, `gif` or `webp`.
    pub format: &'static str,
    /// Frames in the container: counted for GIF and WebP, 1 for JPEG and PNG; `null` when the
    /// container is damaged before its end.
    pub frames: Option<u32>,
    /// Whether the source has an alpha channel.
    pub has_alpha: bool,
    /// The source's EXIF orientation, 1 to 8.
    pub orientation: u8,
    /// The source's size in bytes.
    pub bytes: u64,
    /// The source as Cloudflare describes it.
    pub original: Original,
}

/// The source, as Cloudflare's `format=json` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Original {
    /// Bytes.
    pub file_size: u64,
    /// Width as displayed (after the EXIF orientation).
    pub width: u32,
    /// Height as displayed.
    pub height: u32,
    /// The `Content-Type` of its format.
    pub format: &'static str,
}

/// Describes the image in `bytes` and the output `options` would make of it. A border trim
/// needs the pixels, so the output is described as it would be without one.
pub fn describe(bytes: &[u8], options: &TransformOptions) -> Result<Description, ProxyError> {
    let info = inspect(bytes)?;
    let displayed = (info.width, info.height);
    let trim = options.trim.and_then(|trim| trim.sides(displayed));
    let (_, plan) = plan_output(displayed, trim, options)?;
    let file_size = bytes.len() as u64;
    Ok(Description {
        width: plan.canvas.0,
        height: plan.canvas.1,
        format: info.format.name(),
        frames: count_frames(bytes, info.format),
        has_alpha: info.has_alpha,
        orientation: info.orientation,
        bytes: file_size,
        original: Original { file_size, width: info.width, height: info.height, format: info.format.mime() },
    })
}

/// Frames, counted by walking the container's blocks; `None` when it breaks off.
pub fn count_frames(bytes: &[u8], format: SourceFormat) -> Option<u32> {
    match format {
        SourceFormat::Gif => gif_frames(bytes),
        SourceFormat::Webp => webp_frames(bytes),
        SourceFormat::Jpeg | SourceFormat::Png => Some(1),
    }
}

/// What a GIF's blocks say about its animation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct GifBlocks {
    /// Image descriptors (`0x2C`), one per frame.
    pub frames: u32,
    /// The loop count of the `NETSCAPE2.0` application extension (0: forever); `None`
    /// without one (the animation plays once).
    pub loop_count: Option<u16>,
}

fn gif_frames(bytes: &[u8]) -> Option<u32> {
    gif_blocks(bytes).map(|blocks| blocks.frames)
}

/// Walks the blocks up to the trailer; extensions and image data are skipped by their
/// sub-block lengths, never decoded. `None` when the container breaks off.
pub(super) fn gif_blocks(bytes: &[u8]) -> Option<GifBlocks> {
    // Header (6) and logical screen descriptor (7), then the global colour table if flagged.
    let packed = *bytes.get(10)?;
    let mut at = 13 + colour_table_bytes(packed);
    let mut blocks = GifBlocks { frames: 0, loop_count: None };
    loop {
        match *bytes.get(at)? {
            0x3B => return Some(blocks),
            0x2C => {
                blocks.frames += 1;
                // Descriptor (10 with the separator), local colour table, LZW code size.
                let packed = *bytes.get(at + 9)?;
                at = skip_sub_blocks(bytes, at + 10 + colour_table_bytes(packed) + 1)?;
            }
            0x21 => {
                // An application extension: an 11-byte identifier block, then its data
                // blocks, the first of which is [3, 1, count low, count high] for NETSCAPE2.0.
                let identifier = bytes.get(at + 2..at + 14);
                if bytes.get(at + 1) == Some(&0xFF)
                    && (identifier == Some(b"\x0bNETSCAPE2.0") || identifier == Some(b"\x0bANIMEXTS1.0"))
                {
                    if let Some(&[3, 1, low, high]) = bytes.get(at + 14..at + 18) {
                        blocks.loop_count.get_or_insert(u16::from_le_bytes([low, high]));
                    }
                }
                at = skip_sub_blocks(bytes, at + 2)?;
            }
            _ => return None,
        }
    }
}

fn colour_table_bytes(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 0x07) + 1)
    }
}

/// The offset after a chain of sub-blocks starting at `at` (each a length byte and that
/// many bytes, ended by a zero length).
fn skip_sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let length = usize::from(*bytes.get(at)?);
        at += 1;
        if length == 0 {
            return Some(at);
        }
        at += length;
    }
}

/// What a WebP's chunks say about its animation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WebpChunks {
    /// `ANMF` chunks, one per frame; a still WebP has none and is one frame.
    pub frames: u32,
    /// The `ANIM` chunk's loop count: how many times the animation plays, 0 for forever.
    pub loop_count: Option<u16>,
}

fn webp_frames(bytes: &[u8]) -> Option<u32> {
    webp_chunks(bytes).map(|chunks| chunks.frames.max(1))
}

/// Walks the RIFF chunks after the `WEBP` tag by their sizes, never decoding one. `None`
/// when the container breaks off.
pub(super) fn webp_chunks(bytes: &[u8]) -> Option<WebpChunks> {
    let mut chunks = WebpChunks { frames: 0, loop_count: None };
    for chunk in webp_chunk_spans(bytes) {
        let (fourcc, span) = chunk?;
        match &fourcc {
            b"ANMF" => chunks.frames += 1,
            // Background colour (4 bytes), then the loop count.
            b"ANIM" => {
                if let Some(&[low, high]) = bytes.get(span.start + 12..span.start + 14) {
                    chunks.loop_count.get_or_insert(u16::from_le_bytes([low, high]));
                }
            }
            _ => {}
        }
    }
    Some(chunks)
}

/// The chunks of a WebP file after its `WEBP` tag, in order: each chunk's tag and the bytes
/// it spans (header, payload and the pad byte to an even size, which the last chunk of a
/// file may lack). A chunk whose payload is cut short yields `None`, and nothing after it.
pub(super) fn webp_chunk_spans(bytes: &[u8]) -> impl Iterator<Item = Option<([u8; 4], Range<usize>)>> + '_ {
    let mut at = 12;
    std::iter::from_fn(move || {
        if at >= bytes.len() {
            return None;
        }
        let span = chunk_at(bytes, at);
        // After a broken chunk there is nothing more to read.
        at = span.as_ref().map_or(bytes.len(), |(_, span)| span.end);
        Some(span)
    })
}

/// The chunk that starts at `at`: its tag and span, as [`webp_chunk_spans`] yields them.
fn chunk_at(bytes: &[u8], at: usize) -> Option<([u8; 4], Range<usize>)> {
    let fourcc: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    let size = usize::try_from(u32::from_le_bytes(bytes.get(at + 4..at + 8)?.try_into().ok()?)).ok()?;
    let end = at.checked_add(8)?.checked_add(size)?;
    bytes.get(..end)?;
    Some((fourcc, at..(end + size % 2).min(bytes.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_container_has_no_frame_count() {
        assert_eq!(gif_frames(b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x2C"), None);
        assert_eq!(gif_frames(b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x3B"), Some(0));
        assert_eq!(webp_frames(b"RIFF\0\0\0\0WEBPVP8 \xff\xff\xff\xff"), None);
    }
}
