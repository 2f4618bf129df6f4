//! The transform engine: decode → geometry → resize → encode, on bytes already in memory.
//!
//! Pure Rust with no I/O. Memory is judged from the image header before any pixel is
//! decoded: a source or output above `MAX_SOURCE_PIXELS` is refused without allocating.

mod animated_gif;
mod animated_webp;
mod animation;
mod decode;
mod describe;
mod effects;
mod encode;
mod focus;
mod geometry;
mod metadata;
mod orient;
pub mod profile;
mod resize;

pub use decode::{inspect, shrink_on_load, sniff, ImageInfo, Shrink};
pub use describe::{count_frames, describe, Description, Original};
pub use geometry::{geometry, CropBox, Geometry};

use crate::error::ProxyError;
use crate::format::OutputFormat;
use crate::negotiate::FormatRequest;
use crate::options::{Gravity, Rgba, TransformOptions};

/// Decoded pixels in one of the two layouts the engine works in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pixels {
    /// 8-bit RGB, 3 bytes a pixel.
    Rgb8 { width: u32, height: u32, data: Vec<u8> },
    /// 8-bit RGBA (straight alpha), 4 bytes a pixel.
    Rgba8 { width: u32, height: u32, data: Vec<u8> },
}

impl Pixels {
    /// Width and height in pixels.
    pub fn dimensions(&self) -> (u32, u32) {
        match self {
            Pixels::Rgb8 { width, height, .. } | Pixels::Rgba8 { width, height, .. } => (*width, *height),
        }
    }
}

/// An encoded image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its format.
    pub format: OutputFormat,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// What each CPU stage did, for `Server-Timing`.
    pub report: Report,
}

/// What the CPU stages did, told as facts rather than durations: inside workerd the clock
/// stands still during computation, so a measured duration would always read 0. ASCII only,
/// because header values are byte strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `jpeg 1/4 scale -> 1000x750`, `png 800x600`.
    pub decode: String,
    /// `1000x750 -> 480x360`, or `none` when the decoded size was already right.
    pub resize: String,
    /// `jpeg q85 progressive, 23456 bytes`, `webp q80 lossy, 13352 bytes`, `png lossless, 9120 bytes`.
    pub encode: String,
}

impl Report {
    /// `Server-Timing` entries: `decode;desc="…", resize;desc="…", encode;desc="…"`.
    pub fn server_timing(&self) -> String {
        let entry = |name: &str, desc: &str| format!("{name};desc=\"{}\"", desc.replace('"', "'"));
        [entry("decode", &self.decode), entry("resize", &self.resize), entry("encode", &self.encode)]
            .join(", ")
    }
}

/// A transformation planned from the header: its size, its decode scale and the memory it
/// will take are known before a pixel is decoded.
#[derive(Debug)]
pub struct Work<'a> {
    bytes: &'a [u8],
    options: &'a TransformOptions,
    info: ImageInfo,
    output_format: OutputFormat,
    /// The source's ICC profile, copied into the output (see [`profile`]).
    profile: Option<Vec<u8>>,
    /// Whether an animated source stays animated (then the output is an animated GIF or WebP).
    animation: animation::Decision,
    /// Whether the output is written in the source's own format (an animation in its own
    /// container).
    keeps_format: bool,
    /// The geometry in the requested (rotated) axes.
    plan: Geometry,
    /// The same crop and resize in the source's own axes.
    source_plan: Geometry,
    /// The part of the source `trim` leaves (all of it without a trim), in source pixels.
    region: CropBox,
    shrink: Shrink,
    max_pixels: u64,
    /// What a progressive JPEG's decoder keeps of the whole image until its last scan.
    coefficient_bytes: u64,
}

/// Reads the header, plans the geometry and refuses what would exceed `max_pixels`. Whether
/// the work needs doing at all is the plan's decision (`plan::nothing_to_do`).
pub fn prepare<'a>(
    bytes: &'a [u8],
    options: &'a TransformOptions,
    format: FormatRequest,
    max_pixels: u64,
) -> Result<Work<'a>, ProxyError> {
    let info = inspect(bytes)?;
    let (region, plan) = plan_output(&info, options)?;
    check_pixels(plan.canvas.0, plan.canvas.1, max_pixels)?;
    let canvas_pixels = u64::from(plan.canvas.0) * u64::from(plan.canvas.1);
    let profile = profile::to_keep(bytes, info.format);
    let animation = animation::decide(bytes, &info, options, format, plan.canvas);
    let (output_format, keeps_format) = match animation {
        animation::Decision::Animated(animation) => {
            (animation.container.output(), animation.container.holds(info.format))
        }
        animation::Decision::Still | animation::Decision::OverLimit { .. } => {
            let output = format.resolve(info.format, info.has_alpha, canvas_pixels, profile.is_some());
            (output, info.format.as_output() == Some(output))
        }
    };
    // The crop in the source's own axes, inside what the trim leaves. Gravity names a point
    // of the trimmed source as displayed, before rotate and flip, so it moves the crop there;
    // the crop's size is the same wherever it sits, which is all shrink-on-load needs.
    let mut source_plan = plan.before_rotation(options.rotate.swaps_axes()).inside(region);
    if let Gravity::Point { x, y } = options.gravity {
        let focus = (f64::from(x) / 1000.0, f64::from(y) / 1000.0);
        source_plan = source_plan.focused_on(region, focus);
    }
    // What is decoded is what must fit the limit: a JPEG shrunk on load never holds its
    // full size in memory.
    let shrink = decode::shrink_on_load(bytes, &info, &source_plan);
    let (load_width, load_height) = shrink.loaded_size(&info);
    check_pixels(load_width, load_height, max_pixels)?;
    let coefficient_bytes = decode::coefficient_bytes(bytes, &info);
    Ok(Work {
        bytes,
        options,
        info,
        output_format,
        profile,
        animation,
        keeps_format,
        plan,
        source_plan,
        region,
        shrink,
        max_pixels,
        coefficient_bytes,
    })
}

/// The part of the source `trim` leaves, and the output's geometry planned on it in the
/// requested (rotated) axes, where width and height name the axes of the rotated image.
pub fn plan_output(info: &ImageInfo, options: &TransformOptions) -> Result<(CropBox, Geometry), ProxyError> {
    let displayed = (info.width, info.height);
    let region = match options.trim {
        None => CropBox::full(displayed),
        Some(trim) => {
            let (width, height) = trim.remaining(displayed)?;
            let region = CropBox::full((width, height));
            CropBox { left: f64::from(trim.left), top: f64::from(trim.top), ..region }
        }
    };
    // Exact: the region's sides are whole pixels.
    let trimmed = (region.width as u32, region.height as u32);
    let rotated = if options.rotate.swaps_axes() { (trimmed.1, trimmed.0) } else { trimmed };
    Ok((region, geometry(rotated, options.width, options.height, options.fit)))
}

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
    ///   sharpen hold five and six canvases (their working copies and row buffers). JPEG
    ///   holds the canvas and [`JPEG_ENCODER_BYTES_PER_PIXEL`] a pixel more, WebP
    ///   [`WEBP_ENCODER_BYTES_PER_PIXEL`], AVIF [`AVIF_ENCODER_BYTES_PER_PIXEL`].
    pub fn memory_bytes(&self) -> u64 {
        memory_estimate(self, self.shrink)
    }

    /// What the header said of the source.
    pub fn info(&self) -> &ImageInfo {
        &self.info
    }

    /// Whether the output is written in the source's own format.
    pub fn keeps_format(&self) -> bool {
        self.keeps_format
    }

    /// The output's size in pixels.
    pub fn canvas(&self) -> (u32, u32) {
        self.plan.canvas
    }

    /// Decodes, resizes and encodes. `more_room` is asked for extra bytes before anything
    /// beyond [`Work::memory_bytes`] is allocated (a full-size decode when a scaled one fails);
    /// when it says no, that failure is the answer.
    pub fn run(self, mut more_room: impl FnMut(u64) -> bool) -> Result<Encoded, ProxyError> {
        if let animation::Decision::Animated(animation) = self.animation {
            return self.run_animated(animation);
        }
        // jpeg-decoder is stricter than zune-jpeg about some damaged streams that zune-jpeg
        // conceals; the full-size decode is the fallback when it fits the limit and the budget.
        let full_size_extra = memory_estimate(&self, Shrink::None).saturating_sub(self.memory_bytes());
        let Work {
            bytes,
            options,
            info,
            output_format,
            profile,
            animation,
            plan,
            source_plan,
            region,
            shrink,
            max_pixels,
            ..
        } = self;
        let pixels = match decode::decode(bytes, &info, shrink) {
            Err(scaled_failed) if shrink != Shrink::None => {
                check_pixels(info.width, info.height, max_pixels)?;
                let extra = full_size_extra;
                if !more_room(extra) {
                    return Err(scaled_failed);
                }
                decode::decode(bytes, &info, Shrink::None)?
            }
            decoded => decoded?,
        };
        let decoded = pixels.dimensions();
        let mut decode_report = match shrink {
            Shrink::Jpeg(n) if n > 1 => format!("jpeg 1/{n} scale -> {}x{}", decoded.0, decoded.1),
            _ => format!("{} {}x{}", info.format.name(), decoded.0, decoded.1),
        };
        if let animation::Decision::OverLimit { frames } = animation {
            decode_report.push_str(&format!(", first of {frames} frames (the animation is over the limits)"));
        }
        let (source_plan, region) = aim(&pixels, &info, options, source_plan, region);
        let resize_report = resize_report(decoded, source_plan.resized);
        let pixels = shape(pixels, options, &plan, &source_plan, region)?;
        let (width, height) = pixels.dimensions();
        let quality = options.effective_quality();
        let exif = match output_format {
            OutputFormat::Jpeg | OutputFormat::BaselineJpeg => {
                metadata::exif_segment(bytes, info.format, options.metadata)
            }
            OutputFormat::Png | OutputFormat::Webp | OutputFormat::Avif | OutputFormat::Gif => None,
        };
        let output = encode::encode(&pixels, output_format, quality, exif, profile.as_deref())?;
        let mut encode_report = output.describe(output_format, quality);
        if let Some(profile) = &profile {
            encode_report.push_str(&format!(", ICC profile kept ({} bytes)", profile.len()));
        }
        let report = Report { decode: decode_report, resize: resize_report, encode: encode_report };
        Ok(Encoded { bytes: output.bytes, format: output_format, width, height, report })
    }

    /// Every frame through the same crop, resize and effects, aimed once on the first frame
    /// (so that `gravity=auto` does not make the crop jump between frames).
    fn run_animated(self, animation: animation::Animation) -> Result<Encoded, ProxyError> {
        let Work { bytes, options, info, plan, source_plan, region, .. } = self;
        let mut aimed = None;
        let quality = options.effective_quality();
        let encoded = animation::encode(bytes, &info, animation, quality, |pixels| {
            let (source_plan, region) =
                *aimed.get_or_insert_with(|| aim(&pixels, &info, options, source_plan, region));
            shape(pixels, options, &plan, &source_plan, region)
        })?;
        let animation::Encoded { written, frames_read } = encoded;
        let (width, height) = written.size;
        let format = animation.container.output();
        let how = match animation.container {
            animation::Container::Gif => "written as changes".to_string(),
            animation::Container::Webp => format!("each whole, q{quality} or lossless"),
        };
        let report = Report {
            decode: format!("{} {}x{}, {} frames", info.format.name(), info.width, info.height, frames_read),
            resize: format!("{}, every frame", resize_report((info.width, info.height), source_plan.resized)),
            encode: format!(
                "{} animated, {} frames {how}, {} bytes",
                format.name(),
                written.frames_written,
                written.bytes.len()
            ),
        };
        Ok(Encoded { bytes: written.bytes, format, width, height, report })
    }
}

/// `1000x750 -> 480x360 lanczos3`, or `none`.
fn resize_report(decoded: (u32, u32), resized: (u32, u32)) -> String {
    if resized == decoded {
        "none".to_string()
    } else {
        format!("{}x{} -> {}x{} lanczos3", decoded.0, decoded.1, resized.0, resized.1)
    }
}

/// The crop and region in the pixels as decoded (a JPEG shrunk on load is smaller than its
/// header says), moved onto the busiest part of the image for `gravity=auto`.
fn aim(
    pixels: &Pixels,
    info: &ImageInfo,
    options: &TransformOptions,
    source_plan: Geometry,
    region: CropBox,
) -> (Geometry, CropBox) {
    let decoded = pixels.dimensions();
    let original = (info.width, info.height);
    let mut source_plan = source_plan.for_loaded_source(original, decoded);
    let region = region.for_loaded_source(original, decoded);
    if options.gravity == Gravity::Auto && !source_plan.keeps_pixels(decoded) {
        // The busiest window of the whole image, as a point of the trimmed region; a
        // window outside the region is pulled to its nearest edge.
        let (fx, fy) = focus::busiest_point(pixels, (source_plan.crop.width, source_plan.crop.height));
        let within = |at: f64, length: u32, start: f64, size: f64| (at * f64::from(length) - start) / size;
        let focus = (
            within(fx, decoded.0, region.left, region.width),
            within(fy, decoded.1, region.top, region.height),
        );
        source_plan = source_plan.focused_on(region, focus);
    }
    (source_plan, region)
}

/// Crop and resize, rotate and flip, blur, sharpen, background and pad: everything between
/// decoding and encoding.
fn shape(
    pixels: Pixels,
    options: &TransformOptions,
    plan: &Geometry,
    source_plan: &Geometry,
    region: CropBox,
) -> Result<Pixels, ProxyError> {
    let pixels = resize::apply(pixels, source_plan, region)?;
    let pixels = orient::rotate_and_flip(pixels, options.rotate, options.flip)?;
    let pixels = match options.blur {
        Some(radius) => effects::blur(pixels, radius),
        None => pixels,
    };
    let pixels = match options.sharpen {
        Some(tenths) => effects::sharpen(pixels, tenths),
        None => pixels,
    };
    let pixels = match options.background {
        Some(background) => effects::onto_background(pixels, background),
        None => pixels,
    };
    let background = options.background.unwrap_or(Rgba::WHITE);
    Ok(if plan.canvas == plan.resized { pixels } else { resize::pad(pixels, plan, background) })
}

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

/// See [`Work::memory_bytes`].
fn memory_estimate(work: &Work, shrink: Shrink) -> u64 {
    let Work { info, options, plan, source_plan, coefficient_bytes, .. } = work;
    let pixels = |(width, height): (u32, u32)| u64::from(width) * u64::from(height);
    let loaded_size = shrink.loaded_size(info);
    let loaded = pixels(loaded_size);
    // An animation's frames are RGBA, composited on the canvas, whatever the palette says.
    let animated = matches!(work.animation, animation::Decision::Animated(_));
    let engine_bytes_per_pixel: u8 = if info.has_alpha || animated { 4 } else { 3 };
    let bytes_per_pixel = u64::from(engine_bytes_per_pixel);
    let native = loaded * u64::from(info.decoded_bytes_per_pixel);
    let converted = loaded * bytes_per_pixel;
    let converts = info.decoded_bytes_per_pixel != engine_bytes_per_pixel || info.orientation != 1;
    let decoding = native * DECODER_FACTOR / 2
        + DECODER_FIXED_BYTES
        + coefficient_bytes
        + if converts { converted } else { 0 };

    // The crop in loaded pixels; the filter's intermediate is the output's width by the
    // crop's height, or the crop's width by the output's height.
    let scale = f64::from(loaded_size.0) / f64::from(info.width.max(1));
    let (crop_width, crop_height) =
        ((source_plan.crop.width * scale).ceil() as u64, (source_plan.crop.height * scale).ceil() as u64);
    let (out_width, out_height) = (u64::from(source_plan.resized.0), u64::from(source_plan.resized.1));
    let intermediate = (out_width * crop_height).max(crop_width * out_height) * bytes_per_pixel;
    let premultiplied = if info.has_alpha || animated { converted } else { 0 };
    let resizing = converted + premultiplied + intermediate + pixels(source_plan.resized) * bytes_per_pixel;

    // A translucent pad background adds alpha to the canvas.
    let translucent_pad = options.background.is_some_and(|Rgba([.., alpha])| alpha < 255);
    let canvas_has_alpha = info.has_alpha || translucent_pad || animated;
    let canvas = pixels(plan.canvas) * if canvas_has_alpha { 4 } else { 3 };
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
    let finishing = canvas * copies;
    // WebP holds the canvas, the lossless try and the lossy encoder's planes at once.
    let encoding = match work.output_format {
        OutputFormat::Webp => canvas + pixels(plan.canvas) * WEBP_ENCODER_BYTES_PER_PIXEL,
        OutputFormat::Avif => canvas + pixels(plan.canvas) * AVIF_ENCODER_BYTES_PER_PIXEL,
        // GIF: the frame shown before and this one (RGBA, to tell what changed), a copy for
        // the quantiser, and the palette indices of this frame and the one not yet written.
        OutputFormat::Gif => pixels(plan.canvas) * (4 * 3 + 2),
        OutputFormat::Jpeg | OutputFormat::BaselineJpeg => {
            let flattened = if canvas_has_alpha { pixels(plan.canvas) * 3 } else { 0 };
            canvas + flattened + pixels(plan.canvas) * JPEG_ENCODER_BYTES_PER_PIXEL
        }
        OutputFormat::Png => 0,
    };
    match work.animation {
        // Frame by frame: the decoder's canvas, the canvas saved for "restore to previous"
        // disposal and the frame it yields, at the source's size, beside one frame's work and
        // the output growing to its bound. An animated WebP also holds the frame not yet written, to tell whether the next repeats it.
        animation::Decision::Animated(animation) => {
            let decoder = pixels((info.width, info.height)) * 4 * 3 + DECODER_FIXED_BYTES;
            let pending = match animation.container {
                animation::Container::Webp => pixels(plan.canvas) * 4,
                animation::Container::Gif => 0,
            };
            decoder
                + pending
                + resizing.max(finishing).max(encoding)
                + animation::output_bound(animation, plan.canvas)
        }
        animation::Decision::Still | animation::Decision::OverLimit { .. } => {
            decoding.max(resizing).max(finishing).max(encoding)
        }
    }
}

/// Refuses an image of more than `max_pixels` pixels, before anything is allocated for it.
fn check_pixels(width: u32, height: u32, max_pixels: u64) -> Result<(), ProxyError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(ProxyError::TooManyPixels { pixels, limit: max_pixels });
    }
    Ok(())
}
