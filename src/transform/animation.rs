//! Animated sources kept animated (`anim=true`, the default, as Cloudflare's): every frame of
//! an animated GIF, WebP or PNG (APNG) goes through the same crop, resize and effects as a
//! still image, and is written to an animated GIF, WebP or PNG with its duration and the
//! source's loop count. This module holds the policy (which container, the limits) and the
//! loop over frames; the writers are [`super::animated_gif`], [`super::animated_webp`] and
//! [`super::animated_png`].
//!
//! Frames are decoded, shaped and encoded one at a time, so memory holds the decoder's canvas
//! and the frame or two a writer compares, never the whole animation, beside the growing
//! output. What an animation costs is known from its header (canvas size, frame count), so
//! the limits below are checked before a pixel is decoded; an animation over them is sent as
//! its first frame, as `anim=false` would, and `Server-Timing` says so.
//!
//! Which container ([`Container::for_request`]): `format=webp` writes WebP, and so does
//! `format=original` for an animated WebP (an animated GIF stays GIF, an APNG stays APNG).
//! `format=auto` writes WebP where `Accept` lists it and the frames fit WebP's output limit,
//! and otherwise GIF, or APNG for an APNG source (and always with `compression=fast`): APNG
//! keeps its colours and alpha where GIF would cut them to 256 and one bit, and a decoder
//! without APNG shows its first frame. The other explicit formats (`jpeg`, `baseline-jpeg`,
//! `png`, `avif`) get the first frame: AVIF sequences would cost far more CPU. Animated WebP
//! is written around the still encoders because, of the crates that write it, zenwebp is
//! AGPL, webp-animation wraps libwebp's C (no C library in a Worker's Wasm), and
//! oxideav-webp calls itself a scaffold.
//!
//! A source whose end is damaged keeps the frames before the damage, as browsers play them:
//! the header walk counts the frames whose data is whole (a GIF need not end with its
//! trailer byte), and a frame that does not decode ends the animation there. A GIF's frame
//! cut off by the end of the file is dropped rather than shown in part: Chromium counts such
//! a frame but fails to decode it (`GIFImageDecoderTest.allDataReceivedTruncation` in
//! Blink's `gif_image_decoder_test.cc`), so it never shows. `Server-Timing` says what was
//! dropped.

use std::io::Cursor;

use gif::Repeat;
use image::codecs::gif::GifDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, Frames, ImageDecoder};

use super::decode::{limits, limits_for, undecodable, ImageInfo};
use super::describe::{apng_chunks, gif_blocks, webp_chunks};
use super::encode::Written;
use super::Pixels;
use super::{animated_gif, animated_png, animated_webp};
use crate::error::ProxyError;
use crate::format::{OutputFormat, SourceFormat};
use crate::negotiate::FormatRequest;
use crate::options::TransformOptions;

/// The most frames kept. Each frame costs the quantiser's set-up (about a millisecond) however
/// small it is, so a GIF of 40,000 one-pixel frames would take most of a minute.
const MAX_FRAMES: u32 = 500;

/// The most source pixels decoded for an animation, summed over its frames (its canvas times
/// its frame count). The 380-frame 472×298 Muybridge horse (53 Mpx) is over; the 259-frame
/// 1000×175 banner of the corpus (45 Mpx) is under.
const MAX_SOURCE_PIXELS: u64 = 50_000_000;

/// The most output pixels encoded as GIF, summed over frames. Measured on the host (release
/// build): the 259-frame banner to 400×70 (7.3 million output pixels, 45 million decoded)
/// takes 1.9 s in all, about 0.27 µs an output pixel, most of it quantising each frame to its
/// own 256 colours (NeuQuant); in workerd it took 2.6 s. So at most about 2.5 s of CPU, and
/// the output is at most 1.5 bytes a pixel (12-bit LZW codes), 12 MB.
const MAX_GIF_OUTPUT_PIXELS: u64 = 8_000_000;

/// The most output pixels encoded as APNG, summed over frames: half GIF's, for memory. A
/// frame costs less CPU than a GIF frame (its changed rectangle is filtered and deflated at
/// the fastest setting, with no quantising), but a frame that does not compress (noise)
/// takes its raw 4 bytes a pixel, and the frames are joined into the file at the end: the
/// memory budget reserves twice the output's bound, 32 MB at this limit (GIF's 8 million
/// pixels would reserve 64 MB of the 80 MiB budget).
const MAX_APNG_OUTPUT_PIXELS: u64 = 4_000_000;

/// The most output pixels encoded as WebP, summed over frames. Each frame is encoded lossily
/// and losslessly (the smaller is kept): in workerd, 42 frames of 200×200 (1.7 million
/// pixels) took 887 ms, about 0.53 µs a pixel, twice GIF's. So at most about 1.1 s of CPU,
/// and the output is at most about 4 bytes a pixel, 8 MB (that GIF came out at 205 KB as
/// WebP, against 396 KB as GIF).
const MAX_WEBP_OUTPUT_PIXELS: u64 = 2_000_000;

/// The container an animation is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// An animated GIF (a palette of 256 colours a frame, one bit of transparency).
    Gif,
    /// An animated WebP (`ANMF` frames, each lossy or lossless).
    Webp,
    /// An animated PNG (`acTL`, `fcTL` and `fdAT` chunks; lossless, full alpha).
    Apng,
}

impl Container {
    /// The output format this container is.
    pub fn output(self) -> OutputFormat {
        match self {
            Container::Gif => OutputFormat::Gif,
            Container::Webp => OutputFormat::Webp,
            Container::Apng => OutputFormat::Png,
        }
    }

    /// Whether this is the container `source` already is.
    pub fn holds(self, source: SourceFormat) -> bool {
        matches!(
            (self, source),
            (Container::Gif, SourceFormat::Gif)
                | (Container::Webp, SourceFormat::Webp)
                | (Container::Apng, SourceFormat::Png)
        )
    }

    fn max_output_pixels(self) -> u64 {
        match self {
            Container::Gif => MAX_GIF_OUTPUT_PIXELS,
            Container::Webp => MAX_WEBP_OUTPUT_PIXELS,
            Container::Apng => MAX_APNG_OUTPUT_PIXELS,
        }
    }

    /// The container an animated `source` is written in for this request, or `None` when the
    /// request wants a still image. `format=auto` with WebP accepted prefers WebP for GIF and
    /// APNG sources too, within WebP's output limit: about half the bytes (42 frames at 200
    /// px: 205 KB against 396 KB as GIF) for about 3.5 times the CPU, paid once per cached
    /// variant. Over that limit, the higher limit of GIF (or APNG, for an APNG) still keeps
    /// the animation.
    fn for_request(source: SourceFormat, request: FormatRequest, output_pixels: u64) -> Option<Container> {
        use SourceFormat::{Gif, Png, Webp};
        let webp_fits = output_pixels <= MAX_WEBP_OUTPUT_PIXELS;
        let auto = matches!(
            request,
            FormatRequest::Original
                | FormatRequest::AutoAvif
                | FormatRequest::AutoWebp
                | FormatRequest::AutoLegacy
                | FormatRequest::AutoFast
        );
        match (source, request) {
            (Gif | Webp | Png, FormatRequest::Exactly(OutputFormat::Webp))
            | (Webp, FormatRequest::Original) => Some(Container::Webp),
            (Gif | Webp | Png, FormatRequest::AutoAvif | FormatRequest::AutoWebp) if webp_fits => {
                Some(Container::Webp)
            }
            (Png, _) if auto => Some(Container::Apng),
            (Gif | Webp, _) if auto => Some(Container::Gif),
            _ => None,
        }
    }
}

/// How many times an animation plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plays {
    /// Again and again.
    Forever,
    /// At least once.
    Times(u32),
}

impl Plays {
    /// From a GIF's `NETSCAPE2.0` loop count: 0 is forever, n is n repeats after the first
    /// play (as browsers play it), and without the extension the animation plays once.
    fn of_gif(loop_count: Option<u16>) -> Plays {
        match loop_count {
            Some(0) => Plays::Forever,
            Some(repeats) => Plays::Times(u32::from(repeats) + 1),
            None => Plays::Times(1),
        }
    }

    /// From a WebP's `ANIM` loop count: 0 is forever, n is n plays in all.
    fn of_webp(loop_count: Option<u16>) -> Plays {
        Plays::of_apng(loop_count.map_or(0, u32::from))
    }

    /// From an APNG's `acTL` play count: 0 is forever, n is n plays in all.
    fn of_apng(plays: u32) -> Plays {
        match plays {
            0 => Plays::Forever,
            plays => Plays::Times(plays),
        }
    }

    fn as_gif(self) -> Repeat {
        match self {
            Plays::Forever => Repeat::Infinite,
            Plays::Times(plays) => Repeat::Finite(u16::try_from(plays.saturating_sub(1)).unwrap_or(u16::MAX)),
        }
    }

    fn as_webp(self) -> u16 {
        u16::try_from(self.as_apng()).unwrap_or(u16::MAX)
    }

    fn as_apng(self) -> u32 {
        match self {
            Plays::Forever => 0,
            Plays::Times(plays) => plays.max(1),
        }
    }
}

/// An animation to keep, as its header describes it.
#[derive(Debug, Clone, Copy)]
pub struct Animation {
    /// Whole frames in the source.
    pub frames: u32,
    /// Whether a frame cut off by the end of the file follows them (it is dropped).
    pub cut_off: bool,
    /// How many times the source plays.
    pub plays: Plays,
    /// What it is written as.
    pub container: Container,
}

/// Whether a source is kept animated, or why not.
#[derive(Debug, Clone, Copy)]
pub enum Decision {
    /// A still source, or one whose frames cannot be counted.
    Still,
    /// Animated and kept so.
    Animated(Animation),
    /// Animated, but its first frame is sent.
    FirstFrame {
        /// Frames in the source.
        frames: u32,
        /// Why the rest are not.
        why: FirstOnly,
    },
}

/// Why an animation is sent as its first frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstOnly {
    /// A still image was asked for: `anim=false`, or a still format.
    Asked,
    /// The animation is over a limit.
    OverLimit,
    /// Its frames are of a kind the animation decoder does not read: 16-bit APNG.
    Unsupported,
}

/// What an animated source's header says.
struct Header {
    frames: u32,
    cut_off: bool,
    plays: Plays,
    /// Whether the animation decoder can read its frames.
    supported: bool,
}

impl Header {
    /// Read from the container's blocks or chunks; `None` when it is not animated, or broken
    /// before its first whole frame.
    fn read(bytes: &[u8], format: SourceFormat) -> Option<Header> {
        let header = match format {
            SourceFormat::Gif => gif_blocks(bytes).map(|blocks| Header {
                frames: blocks.frames,
                cut_off: blocks.cut_off,
                plays: Plays::of_gif(blocks.loop_count),
                supported: true,
            }),
            SourceFormat::Webp => webp_chunks(bytes).map(|chunks| Header {
                frames: chunks.frames,
                cut_off: false,
                plays: Plays::of_webp(chunks.loop_count),
                supported: true,
            }),
            SourceFormat::Png => apng_chunks(bytes).map(|apng| Header {
                frames: apng.frames,
                cut_off: false,
                plays: Plays::of_apng(apng.plays),
                supported: !apng.sixteen_bit,
            }),
            // A TIFF's later pages are other pictures, not frames: its first page is read.
            // An AVIF sequence is never decoded; it is served as it is, or not at all.
            SourceFormat::Jpeg
            | SourceFormat::Bmp
            | SourceFormat::Ico
            | SourceFormat::Tiff
            | SourceFormat::Avif
            | SourceFormat::Svg => None,
        };
        header.filter(|header| header.frames >= 2)
    }
}

/// Decides from the header whether this request keeps the source's animation; `canvas` is
/// the output's size.
pub(super) fn decide(
    bytes: &[u8],
    info: &ImageInfo,
    options: &TransformOptions,
    format: FormatRequest,
    canvas: (u32, u32),
) -> Decision {
    let Some(Header { frames, cut_off, plays, supported }) = Header::read(bytes, info.format) else {
        return Decision::Still;
    };
    let first_frame = |why| Decision::FirstFrame { frames, why };
    let source_pixels = u64::from(info.width) * u64::from(info.height) * u64::from(frames);
    let output_pixels = u64::from(canvas.0) * u64::from(canvas.1) * u64::from(frames);
    let container = Container::for_request(info.format, format, output_pixels).filter(|_| options.anim);
    let Some(container) = container else {
        return first_frame(FirstOnly::Asked);
    };
    if !supported {
        return first_frame(FirstOnly::Unsupported);
    }
    if frames > MAX_FRAMES
        || source_pixels > MAX_SOURCE_PIXELS
        || output_pixels > container.max_output_pixels()
    {
        return first_frame(FirstOnly::OverLimit);
    }
    Decision::Animated(Animation { frames, cut_off, plays, container })
}

/// The most bytes an animation's output can take: per frame, 1.5 bytes a pixel of LZW codes
/// (GIF), 4 bytes a pixel (WebP: lossless is kept only when smaller than lossy, and lossy
/// takes far less), or, for a PNG frame that does not compress at all, its raw rows (4 bytes
/// a pixel and a filter byte a row) stored in deflate blocks of at most 65,535 bytes with 5
/// bytes of header each (the encoder stores what deflate would enlarge); a frame's header,
/// and the file's own.
pub(super) fn output_bound(animation: Animation, canvas: (u32, u32)) -> u64 {
    let pixels = u64::from(canvas.0) * u64::from(canvas.1);
    let frame_bytes = match animation.container {
        Container::Gif => pixels * 3 / 2,
        Container::Webp => pixels * 4,
        Container::Apng => {
            let rows = pixels * 4 + u64::from(canvas.1);
            rows + rows / 8192
        }
    };
    u64::from(animation.frames) * (frame_bytes + 1024) + 1024
}

/// An encoded animation.
pub(super) struct Encoded {
    /// The file, as written.
    pub written: Written,
    /// Frames read from the source.
    pub frames_read: u32,
}

/// Decodes every frame (composited onto the canvas, as shown), passes it through `shape`,
/// and writes it with its duration; WebP frames at `quality`. The first frame that does not
/// decode ends the animation (see the module's notes); none decoding is an error.
pub(super) fn encode(
    bytes: &[u8],
    info: &ImageInfo,
    animation: Animation,
    quality: u8,
    mut shape: impl FnMut(Pixels) -> Result<Pixels, ProxyError>,
) -> Result<Encoded, ProxyError> {
    let mut sink = match animation.container {
        Container::Gif => Sink::Gif(animated_gif::Writer::default(), animation.plays.as_gif()),
        Container::Webp => Sink::Webp(animated_webp::Writer::new(quality, animation.plays.as_webp())),
        Container::Apng => Sink::Apng(animated_png::Writer::new(animation.plays.as_apng())),
    };
    let mut frames_read = 0;
    // The header counted the whole frames; the limits were checked against that count.
    for frame in frames(bytes, info)?.take(animation.frames as usize) {
        let frame = match frame {
            Ok(frame) => frame,
            Err(damaged) if frames_read == 0 => return Err(undecodable(damaged)),
            // The decoders yield nothing good after an error: the frames before it are kept.
            Err(_) => break,
        };
        let (numerator, denominator) = frame.delay().numer_denom_ms();
        let canvas = frame.into_buffer();
        let (width, height) = canvas.dimensions();
        let shaped = shape(Pixels::Rgba8 { width, height, data: canvas.into_raw() })?;
        sink.push(shaped, numerator / denominator.max(1))?;
        frames_read += 1;
    }
    Ok(Encoded { written: sink.finish()?, frames_read })
}

/// Where frames go.
enum Sink {
    Gif(animated_gif::Writer, Repeat),
    Webp(animated_webp::Writer),
    Apng(animated_png::Writer),
}

impl Sink {
    fn push(&mut self, pixels: Pixels, duration_ms: u32) -> Result<(), ProxyError> {
        match self {
            // GIF counts delays in hundredths of a second.
            Sink::Gif(writer, repeat) => {
                let delay = u16::try_from(duration_ms.saturating_add(5) / 10).unwrap_or(u16::MAX);
                writer.push(pixels, delay, *repeat)
            }
            Sink::Webp(writer) => writer.push(pixels, duration_ms),
            Sink::Apng(writer) => writer.push(pixels, duration_ms),
        }
    }

    fn finish(self) -> Result<Written, ProxyError> {
        match self {
            Sink::Gif(writer, _) => writer.finish(),
            Sink::Webp(writer) => writer.finish(),
            Sink::Apng(writer) => writer.finish(),
        }
    }
}

/// The source's frames, each composited onto the canvas as it is shown.
fn frames<'a>(bytes: &'a [u8], info: &ImageInfo) -> Result<Frames<'a>, ProxyError> {
    match info.format {
        SourceFormat::Gif => {
            let mut decoder = GifDecoder::new(Cursor::new(bytes)).map_err(undecodable)?;
            decoder.set_limits(limits(info)).map_err(undecodable)?;
            Ok(decoder.into_frames())
        }
        SourceFormat::Webp => {
            let mut decoder = WebPDecoder::new(Cursor::new(bytes)).map_err(undecodable)?;
            decoder.set_limits(limits(info)).map_err(undecodable)?;
            Ok(decoder.into_frames())
        }
        SourceFormat::Png => {
            // The APNG decoder counts against its limit the canvas shown and the one before
            // it (for "previous" disposal), and each frame's rows as decoded and as RGBA: 16
            // bytes a pixel of the canvas at most.
            let decoder =
                PngDecoder::with_limits(Cursor::new(bytes), limits_for(info, 16)).map_err(undecodable)?;
            Ok(decoder.apng().map_err(undecodable)?.into_frames())
        }
        SourceFormat::Jpeg
        | SourceFormat::Bmp
        | SourceFormat::Ico
        | SourceFormat::Tiff
        | SourceFormat::Avif
        | SourceFormat::Svg => {
            Err(ProxyError::Internal(format!("a {} is not an animation", info.format.name())))
        }
    }
}
