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
    /// The source's format: `jpeg`, `png`, `gif`, `webp`, `bmp`, `ico`, `tiff` or `avif`.
    pub format: &'static str,
    /// Frames in the container: counted for GIF, APNG and WebP, 1 for JPEG and still PNG;
    /// `null` when the container breaks off before a whole frame.
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

/// Frames, counted by walking the container's blocks or chunks; `None` when it breaks off
/// before a whole frame.
pub fn count_frames(bytes: &[u8], format: SourceFormat) -> Option<u32> {
    match format {
        SourceFormat::Gif => gif_frames(bytes),
        SourceFormat::Webp => webp_frames(bytes),
        SourceFormat::Png => Some(apng_chunks(bytes).map_or(1, |apng| apng.frames.max(1))),
        // A TIFF's first page only is read, and an ICO's largest image.
        // An AVIF is described from its primary image.
        SourceFormat::Jpeg
        | SourceFormat::Bmp
        | SourceFormat::Ico
        | SourceFormat::Tiff
        | SourceFormat::Avif
        | SourceFormat::Svg => Some(1),
    }
}

/// What a GIF's blocks say about its animation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct GifBlocks {
    /// Image descriptors (`0x2C`) whose image data is whole (its sub-blocks end with the
    /// zero-length one), one per frame.
    pub frames: u32,
    /// The loop count of the `NETSCAPE2.0` application extension (0: forever); `None`
    /// without one (the animation plays once).
    pub loop_count: Option<u16>,
    /// Whether the file ends inside a frame, which is not counted.
    pub cut_off: bool,
}

fn gif_frames(bytes: &[u8]) -> Option<u32> {
    gif_blocks(bytes).filter(|blocks| blocks.frames > 0 || !blocks.cut_off).map(|blocks| blocks.frames)
}

/// Walks the blocks; extensions and image data are skipped by their sub-block lengths, never
/// decoded. The walk ends at the trailer, or where the file ends or stops being GIF: browsers
/// play every whole frame before such a break (GIFs cut short, or written without their
/// trailer byte, are common on the web), so those frames count. `None` when the header
/// itself is cut.
pub(super) fn gif_blocks(bytes: &[u8]) -> Option<GifBlocks> {
    // Header (6) and logical screen descriptor (7), then the global colour table if flagged.
    let packed = *bytes.get(10)?;
    let mut at = 13 + colour_table_bytes(packed);
    bytes.get(..at)?;
    let mut blocks = GifBlocks { frames: 0, loop_count: None, cut_off: false };
    loop {
        match bytes.get(at) {
            Some(0x2C) => {
                // Descriptor (10 with the separator), local colour table, LZW code size.
                let data = bytes.get(at + 9).map(|&packed| at + 10 + colour_table_bytes(packed) + 1);
                let Some(end) = data.and_then(|data| skip_sub_blocks(bytes, data)) else {
                    blocks.cut_off = true;
                    return Some(blocks);
                };
                blocks.frames += 1;
                at = end;
            }
            Some(0x21) => {
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
                // An extension cut short holds no frame.
                let Some(end) = skip_sub_blocks(bytes, at + 2) else { return Some(blocks) };
                at = end;
            }
            // The trailer, the end of the file, or bytes that are not a block.
            _ => return Some(blocks),
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

/// What a PNG's chunks say about its animation (APNG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ApngChunks {
    /// Frames: the `fcTL` chunks, at most as many as `acTL` declares (a decoder reads no
    /// more).
    pub frames: u32,
    /// The `acTL` chunk's play count: how many times the animation plays, 0 for forever.
    pub plays: u32,
    /// Whether its samples are 16-bit (the `image` crate composites 8-bit frames only).
    pub sixteen_bit: bool,
}

/// Walks a PNG's chunks by their lengths, never inflating one. `None` for a still PNG: no
/// valid `acTL` before the image data (decoders ignore one after it, or one declaring no
/// frames or more than 2^31 - 1). A file cut short counts the `fcTL` chunks before the cut.
pub(super) fn apng_chunks(bytes: &[u8]) -> Option<ApngChunks> {
    // The IHDR chunk comes first: its payload starts at 16, the bit depth at 24.
    let sixteen_bit = *bytes.get(24)? == 16;
    let mut declared = None;
    let mut controls: u32 = 0;
    for chunk in png_chunk_spans(bytes) {
        let Some((kind, payload)) = chunk else { break };
        match &kind {
            b"acTL" if declared.is_none() => {
                let field = |at: usize| {
                    let field: [u8; 4] =
                        bytes.get(payload.start + at..payload.start + at + 4)?.try_into().ok()?;
                    Some(u32::from_be_bytes(field))
                };
                let (frames, plays) = (field(0)?, field(4)?);
                if frames == 0 || frames > 0x7FFF_FFFF || plays > 0x7FFF_FFFF {
                    return None;
                }
                declared = Some((frames, plays));
            }
            b"IDAT" if declared.is_none() => return None,
            b"fcTL" => controls = controls.saturating_add(1),
            b"IEND" => break,
            _ => {}
        }
    }
    let (frames, plays) = declared?;
    Some(ApngChunks { frames: controls.min(frames), plays, sixteen_bit })
}

/// The chunks of a PNG file after its signature, in order: each chunk's type and the span of
/// its payload (its length, type and CRC left out). A chunk cut short yields `None`, and
/// nothing after it.
pub(super) fn png_chunk_spans(bytes: &[u8]) -> impl Iterator<Item = Option<([u8; 4], Range<usize>)>> + '_ {
    let mut at = 8;
    std::iter::from_fn(move || {
        if at >= bytes.len() {
            return None;
        }
        let chunk = png_chunk_at(bytes, at);
        // After a broken chunk there is nothing more to read.
        at = chunk.as_ref().map_or(bytes.len(), |(_, payload)| payload.end + 4);
        Some(chunk)
    })
}

/// The chunk that starts at `at`: its type and payload, as [`png_chunk_spans`] yields them.
fn png_chunk_at(bytes: &[u8], at: usize) -> Option<([u8; 4], Range<usize>)> {
    let length: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    let kind: [u8; 4] = bytes.get(at + 4..at + 8)?.try_into().ok()?;
    let start = at + 8;
    let end = start.checked_add(usize::try_from(u32::from_be_bytes(length)).ok()?)?;
    // The payload and its CRC must be there.
    bytes.get(..end.checked_add(4)?)?;
    Some((kind, start..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_container_has_no_frame_count() {
        assert_eq!(gif_frames(b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x2C"), None);
        assert_eq!(gif_frames(b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x3B"), Some(0));
        assert_eq!(gif_frames(b"GIF89a\x01\x00\x01"), None, "a header cut short");
        assert_eq!(webp_frames(b"RIFF\0\0\0\0WEBPVP8 \xff\xff\xff\xff"), None);
    }

    /// A 1×1 GIF of `frames` frames (each a descriptor, code size 2 and one data sub-block),
    /// without its trailer.
    fn gif_without_trailer(frames: usize) -> Vec<u8> {
        let mut gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\0\0\0\xff\xff\xff".to_vec();
        for _ in 0..frames {
            gif.extend(b"\x2C\0\0\0\0\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00");
        }
        gif
    }

    #[test]
    fn gif_frames_are_counted_up_to_where_the_file_breaks_off() {
        let whole = gif_without_trailer(3);
        assert_eq!(gif_frames(&whole), Some(3), "no trailer");
        let blocks = gif_blocks(&whole[..whole.len() - 1]);
        assert_eq!(blocks.map(|b| (b.frames, b.cut_off)), Some((2, true)), "the last frame's data cut");
        assert_eq!(gif_frames(&whole[..whole.len() - 9]), Some(2), "the last descriptor cut");
        let mut junk = whole.clone();
        junk.extend(b"<?php");
        assert_eq!(gif_blocks(&junk).map(|b| (b.frames, b.cut_off)), Some((3, false)), "junk after");
        assert_eq!(gif_frames(&whole[..20]), None, "no whole frame");
    }

    /// A PNG chunk (its CRC left zero: the walk does not check it).
    fn chunk(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut chunk = (payload.len() as u32).to_be_bytes().to_vec();
        chunk.extend(kind);
        chunk.extend(payload);
        chunk.extend([0; 4]);
        chunk
    }

    fn png(depth: u8, chunks: &[Vec<u8>]) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, depth, 6, 0, 0, 0]));
        chunks.iter().for_each(|c| png.extend(c));
        png
    }

    #[test]
    fn apng_frames_are_the_frame_controls_within_the_declared_count() {
        let actl =
            |frames: u32, plays: u32| chunk(b"acTL", &[frames.to_be_bytes(), plays.to_be_bytes()].concat());
        let fctl = chunk(b"fcTL", &[0; 26]);
        let idat = chunk(b"IDAT", &[0; 4]);
        let animated = png(8, &[actl(2, 3), fctl.clone(), idat.clone(), fctl.clone(), idat.clone()]);
        let want = ApngChunks { frames: 2, plays: 3, sixteen_bit: false };
        assert_eq!(apng_chunks(&animated), Some(want));
        assert_eq!(count_frames(&animated, SourceFormat::Png), Some(2));
        let more = png(16, &[actl(2, 0), fctl.clone(), idat.clone(), fctl.clone(), fctl.clone()]);
        assert_eq!(apng_chunks(&more), Some(ApngChunks { frames: 2, plays: 0, sixteen_bit: true }));
        let cut = &animated[..animated.len() - 3];
        assert_eq!(apng_chunks(cut).map(|a| a.frames), Some(2), "the fcTL before the cut count");
        // No acTL, one after the image data, or one declaring no frames: a still PNG.
        assert_eq!(apng_chunks(&png(8, &[fctl.clone(), idat.clone()])), None);
        assert_eq!(apng_chunks(&png(8, &[idat.clone(), actl(2, 0), fctl.clone()])), None);
        assert_eq!(apng_chunks(&png(8, &[actl(0, 0), idat.clone()])), None);
        assert_eq!(count_frames(&png(8, &[idat]), SourceFormat::Png), Some(1));
    }
}
