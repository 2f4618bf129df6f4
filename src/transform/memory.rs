//! The memory a [`Work`] will take, known from the header before a pixel is decoded: the
//! budget reserves it before decoding starts. The constants were measured; `tests/wasm.rs`
//! checks the estimate against a counting allocator in Wasm.

use super::animation::{self, Animation, Container, Decision};
use super::decode::Shrink;
use super::overlay;
use super::work::Work;
use crate::format::{OutputFormat, SourceFormat};
use crate::options::Rgba;

/// How many times its output a decoder holds at its peak (measured: jpeg-decoder 2.1 to 2.4,
/// image-webp 2.3, png and gif 1.2 to 1.4).
const DECODER_FACTOR: u64 = 5; // in halves: 2.5

/// What a decoder holds whatever the image's size: tables, row buffers, the reader.
const DECODER_FIXED_BYTES: u64 = 256 * 1024;

/// What the WebP encoders hold beside the canvas, per pixel: image's lossless try (8.6 to
/// 10.3 bytes a pixel at its peak with its output, on the host), whose result is kept while
/// vaam-image-webp's lossy encoder runs (its YUV planes, the lossless alpha plane as 32-bit
/// pixels, its output: 9.2 with alpha). tests/wasm.rs measured 20 in Wasm for a 600 px image
/// with alpha (8,595,200 bytes allocated beside its 4-byte canvas); 24 leaves a margin.
const WEBP_ENCODER_BYTES_PER_PIXEL: u64 = 24;

/// What the AVIF encoder holds beside the canvas, per pixel: ravif's YUV planes and rav1e's
/// frames, reference copies and tables. tests/wasm.rs measured 66 bytes a pixel for a whole
/// 316×316 transform with alpha (6,636,268 bytes allocated at the peak) and 67 for a 360×240
/// photo; 80 leaves a margin. Outputs are at most [`crate::negotiate::AVIF_MAX_PIXELS`], so
/// this is at most 8 MB.
const AVIF_ENCODER_BYTES_PER_PIXEL: u64 = 80;

/// What jpeg-encoder holds beside the canvas, per pixel: every block's coefficients until the
/// end, which it keeps for its optimised Huffman tables whether progressive or not, and its
/// colour planes. A canvas with alpha is first flattened onto white, a 3-byte copy more.
/// tests/wasm.rs measured 16 bytes a pixel in all for a 2000×2000 RGBA canvas (64,000,452
/// bytes: 4 for the canvas, 3 for the copy, 9 for the encoder) and 12 for the flower
/// re-encoded whole (41,369,032 bytes for 2268×1512 RGB); 10 leaves a margin. Decoding
/// dominates for thumbnails; for a large output this term decides.
const JPEG_ENCODER_BYTES_PER_PIXEL: u64 = 10;

/// What the APNG writer holds for a frame beside the frame itself, per pixel of the canvas,
/// at most: the frame before (4 bytes) until the rectangle that changed is copied out of it
/// (4); then the still encoder's compressed rows, about 4 bytes a pixel for noise in a
/// buffer grown by doubling (8), while the file it writes them into grows the same way (its
/// old and new buffers, 12); then that file beside the frame's chunks (4). tests/wasm.rs
/// allocated 13.2 MB in all for two frames of 600×600 noise kept as APNG, and 5.7 MB for
/// eight of 300×300, against estimates of 27.6 and 11.4 MB.
const APNG_WRITER_BYTES_PER_PIXEL: u64 = 28;

impl Work<'_> {
    /// The most Wasm memory the transformation holds at once, in bytes, beyond the source:
    /// an upper estimate from the buffers of whichever stage holds the most. The factors were
    /// measured in Wasm, where the decoders run on one thread as in the Worker, and
    /// `tests/wasm.rs` checks that the estimate stays above what is really allocated.
    ///
    /// - Decoding: the decoder's output with its working buffers ([`DECODER_FACTOR`] times
    ///   the output, plus [`DECODER_FIXED_BYTES`]); a progressive JPEG's coefficients for the
    ///   whole image at full size; and, when the output is not 8-bit RGB or RGBA or the EXIF
    ///   orientation turns it, a converted copy.
    /// - Resizing: the decoded pixels, a premultiplied copy of them when there is alpha, the
    ///   intermediate of the two-pass filter and the output.
    /// - After that, each stage holds at most its input and its output: the canvas twice (the
    ///   encoder's output is at most about the raw size), three times with padding; blur and
    ///   sharpen hold five and six canvases (their working copies and row buffers); the
    ///   colour adjustments work in place and hold nothing more. JPEG
    ///   holds the canvas and [`JPEG_ENCODER_BYTES_PER_PIXEL`] a pixel more, WebP
    ///   [`WEBP_ENCODER_BYTES_PER_PIXEL`], AVIF [`AVIF_ENCODER_BYTES_PER_PIXEL`].
    /// - An animation is decoded frame by frame: the decoder's canvases at the source's size
    ///   and the output growing to its bound stay the whole time, beside one frame's work.
    ///
    /// For `trim=border` this is the work planned on the whole source, which covers decoding
    /// it and looking for the border; what the border leaves is planned once it is found, and
    /// [`Work::run`] asks for whatever that estimate needs beyond this one before going on.
    pub fn memory_bytes(&self) -> u64 {
        estimate(self, self.shrink)
    }

    /// What decoding at full size takes beyond [`Work::memory_bytes`]: the fallback when a
    /// JPEG planned to shrink on load fails to decode scaled.
    pub(super) fn full_size_extra(&self) -> u64 {
        estimate(self, Shrink::None).saturating_sub(self.memory_bytes())
    }
}

/// See [`Work::memory_bytes`]; `shrink` is how the source is decoded.
fn estimate(work: &Work, shrink: Shrink) -> u64 {
    let loaded = shrink.loaded_size(&work.info);
    let after_decoding = resizing(work, loaded).max(finishing(work)).max(encoding(work)).max(drawing(work));
    match work.animation {
        Decision::Animated(animation) => {
            frame_by_frame(work, animation) + after_decoding + overlays_kept(work)
        }
        Decision::Still | Decision::FirstFrame { .. } => decoding(work, loaded).max(after_decoding),
    }
}

/// Pixels in an image of this size.
fn area((width, height): (u32, u32)) -> u64 {
    u64::from(width) * u64::from(height)
}

/// Whether the engine holds the pixels as RGBA: with alpha, and for an animation, whose
/// frames are composited on the canvas as RGBA whatever the palette says.
fn engine_has_alpha(work: &Work) -> bool {
    work.info.has_alpha || matches!(work.animation, Decision::Animated(_))
}

/// Bytes a pixel in the engine's layout.
fn engine_bytes_per_pixel(work: &Work) -> u8 {
    if engine_has_alpha(work) {
        4
    } else {
        3
    }
}

/// A still image's decoding, at `loaded` pixels.
fn decoding(work: &Work, loaded: (u32, u32)) -> u64 {
    let info = &work.info;
    let engine = engine_bytes_per_pixel(work);
    let native = area(loaded) * u64::from(info.decoded_bytes_per_pixel);
    let converts = info.decoded_bytes_per_pixel != engine || info.orientation != 1;
    let converted = if converts { area(loaded) * u64::from(engine) } else { 0 };
    native * DECODER_FACTOR / 2 + DECODER_FIXED_BYTES + work.coefficient_bytes + converted
}

/// Cropping and resizing pixels loaded at `loaded`.
fn resizing(work: &Work, loaded: (u32, u32)) -> u64 {
    let Work { info, source_plan, .. } = work;
    let bytes_per_pixel = u64::from(engine_bytes_per_pixel(work));
    let converted = area(loaded) * bytes_per_pixel;
    let premultiplied = if engine_has_alpha(work) { converted } else { 0 };
    // The crop in loaded pixels; the filter's intermediate is the output's width by the
    // crop's height, or the crop's width by the output's height.
    let scale = f64::from(loaded.0) / f64::from(info.width.max(1));
    let crop_width = (source_plan.crop.width * scale).ceil() as u64;
    let crop_height = (source_plan.crop.height * scale).ceil() as u64;
    let (out_width, out_height) = (u64::from(source_plan.resized.0), u64::from(source_plan.resized.1));
    let intermediate = (out_width * crop_height).max(crop_width * out_height) * bytes_per_pixel;
    converted + premultiplied + intermediate + area(source_plan.resized) * bytes_per_pixel
}

/// Whether the canvas has alpha: a translucent pad background adds it.
fn canvas_has_alpha(work: &Work) -> bool {
    let translucent_pad = work.options.background.is_some_and(|Rgba([.., alpha])| alpha < 255);
    engine_has_alpha(work) || translucent_pad
}

/// The output's raw pixels.
fn canvas_bytes(work: &Work) -> u64 {
    area(work.plan.canvas) * if canvas_has_alpha(work) { 4 } else { 3 }
}

/// Rotating, the effects and padding, each holding its input and its output.
fn finishing(work: &Work) -> u64 {
    let Work { options, plan, .. } = work;
    // Blurring keeps the rows, their transposition and the blurred result, and row buffers;
    // sharpening keeps the image beside a blurred copy; padding the image and its canvas.
    let copies = if options.sharpen.is_some() {
        6
    } else if options.blur.is_some() {
        5
    } else if plan.canvas != plan.resized {
        3
    } else {
        2
    };
    canvas_bytes(work) * copies
}

/// Drawing the overlays: the canvas, and each overlay's decoding and sizing beside it
/// ([`overlay::overlay_bytes`]), all of them prepared before the first is drawn.
fn drawing(work: &Work) -> u64 {
    let canvas = work.plan.canvas;
    let layers = work.overlays.iter().filter(|layer| layer.applies(canvas));
    let overlays: u64 = layers.map(|layer| overlay::overlay_bytes(layer, canvas)).sum();
    if overlays == 0 {
        0
    } else {
        canvas_bytes(work) + overlays
    }
}

/// What an animation keeps of its overlays from the first frame to the last: each one placed,
/// as RGBA.
fn overlays_kept(work: &Work) -> u64 {
    let canvas = work.plan.canvas;
    let layers = work.overlays.iter().filter(|layer| layer.applies(canvas));
    layers.map(|layer| area(overlay::sizes(layer, canvas).1) * 4).sum()
}

/// Encoding the canvas.
fn encoding(work: &Work) -> u64 {
    let canvas = canvas_bytes(work);
    let pixels = area(work.plan.canvas);
    match work.output_format {
        // WebP holds the canvas, the lossless try and the lossy encoder's planes at once.
        OutputFormat::Webp => canvas + pixels * WEBP_ENCODER_BYTES_PER_PIXEL,
        OutputFormat::Avif => canvas + pixels * AVIF_ENCODER_BYTES_PER_PIXEL,
        // GIF: the frame shown before and this one (RGBA, to tell what changed), a copy for
        // the quantiser, and the palette indices of this frame and the one not yet written.
        OutputFormat::Gif => pixels * (4 * 3 + 2),
        OutputFormat::Jpeg | OutputFormat::BaselineJpeg => {
            let flattened = if canvas_has_alpha(work) { pixels * 3 } else { 0 };
            canvas + flattened + pixels * JPEG_ENCODER_BYTES_PER_PIXEL
        }
        OutputFormat::Png => 0,
    }
}

/// What an animation holds the whole time, beside one frame's work: the decoder's canvas,
/// the canvas saved for "restore to previous" disposal and the frame it yields, at the
/// source's size (an APNG's decoder holds each frame's rows as decoded and as RGBA beside
/// its two canvases, and yields its frame after freeing them: four canvases); an animated
/// WebP's or PNG's frame not yet written, to tell whether the next repeats it (and, for PNG,
/// where it changed), and PNG's copy of the changed rectangle with what the still encoder
/// holds to compress it ([`APNG_WRITER_BYTES_PER_PIXEL`] in all); and the output growing to
/// its bound (twice, for APNG: its frames and the file they are joined into at the end).
fn frame_by_frame(work: &Work, animation: Animation) -> u64 {
    let decoder_canvases = match work.info.format {
        SourceFormat::Png => 4,
        SourceFormat::Gif
        | SourceFormat::Webp
        | SourceFormat::Jpeg
        | SourceFormat::Bmp
        | SourceFormat::Ico
        | SourceFormat::Tiff
        | SourceFormat::Avif
        | SourceFormat::Svg => 3,
    };
    let decoder = area((work.info.width, work.info.height)) * 4 * decoder_canvases + DECODER_FIXED_BYTES;
    let output = animation::output_bound(animation, work.plan.canvas);
    let canvas = area(work.plan.canvas);
    let (writer, output) = match animation.container {
        Container::Webp => (canvas * 4, output),
        Container::Apng => (canvas * APNG_WRITER_BYTES_PER_PIXEL, output * 2),
        Container::Gif => (0, output),
    };
    decoder + writer + output
}
