//! The transform engine: decode → geometry → resize → encode, on bytes already in memory.
//!
//! Pure Rust with no I/O. Memory is judged from the image header before any pixel is
//! decoded: a source or output above `MAX_SOURCE_PIXELS` is refused without allocating.

mod decode;
mod effects;
mod encode;
mod focus;
mod geometry;
mod orient;
mod resize;

pub use decode::{inspect, shrink_on_load, sniff, ImageInfo, Shrink};
pub use geometry::{geometry, CropBox, Geometry};

use crate::error::ProxyError;
use crate::negotiate::{FormatRequest, OutputFormat};
use crate::options::{Gravity, Rgba, TransformOptions};
use crate::plan::is_noop;

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
    /// `jpeg q85, 23456 bytes`.
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

/// What a transformation produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do: the source's own bytes are the answer.
    Original(ImageInfo),
    /// A new image.
    Encoded(Encoded),
}

/// Transforms an image held in memory.
pub fn transform(
    bytes: &[u8],
    options: &TransformOptions,
    format: FormatRequest,
    max_pixels: u64,
) -> Result<Outcome, ProxyError> {
    let info = inspect(bytes)?;
    let output_format = format.resolve(info.format, info.has_alpha);
    // Width and height name the axes of the rotated image.
    let swaps = options.rotate.swaps_axes();
    let rotated = if swaps { (info.height, info.width) } else { (info.width, info.height) };
    let plan = geometry(rotated, options.width, options.height, options.fit);
    check_pixels(plan.canvas.0, plan.canvas.1, max_pixels)?;
    if is_noop(options, &info, info.format.as_output() == Some(output_format), plan.canvas) {
        return Ok(Outcome::Original(info));
    }
    // The crop in the source's own axes. Gravity names a point of the source as displayed,
    // before rotate and flip, so it moves the crop there; the crop's size is the same
    // wherever it sits, which is all shrink-on-load needs.
    let mut source_plan = plan.before_rotation(swaps);
    if let Gravity::Point { x, y } = options.gravity {
        let focus = (f64::from(x) / 1000.0, f64::from(y) / 1000.0);
        source_plan = source_plan.focused_on((info.width, info.height), focus);
    }
    // What is decoded is what must fit the limit: a JPEG shrunk on load never holds its
    // full size in memory.
    let shrink = decode::shrink_on_load(bytes, &info, &source_plan);
    let (load_width, load_height) = shrink.loaded_size(&info);
    check_pixels(load_width, load_height, max_pixels)?;
    let pixels = match decode::decode(bytes, &info, shrink) {
        // jpeg-decoder is stricter than zune-jpeg about some damaged streams that zune-jpeg
        // conceals; fall back to the full-size decode when that fits the limit too.
        Err(_) if shrink != Shrink::None => {
            check_pixels(info.width, info.height, max_pixels)?;
            decode::decode(bytes, &info, Shrink::None)?
        }
        decoded => decoded?,
    };
    let decoded = pixels.dimensions();
    let decode_report = match shrink {
        Shrink::Jpeg(n) if n > 1 => format!("jpeg 1/{n} scale -> {}x{}", decoded.0, decoded.1),
        _ => format!("{} {}x{}", info.format.name(), decoded.0, decoded.1),
    };
    let mut source_plan = source_plan.for_loaded_source((info.width, info.height), decoded);
    if options.gravity == Gravity::Auto && !source_plan.keeps_pixels(decoded) {
        let focus = focus::busiest_point(&pixels, (source_plan.crop.width, source_plan.crop.height));
        source_plan = source_plan.focused_on(decoded, focus);
    }
    let pixels = resize::apply(pixels, &source_plan)?;
    let resized = pixels.dimensions();
    let resize_report = if resized == decoded {
        "none".to_string()
    } else {
        format!("{}x{} -> {}x{} lanczos3", decoded.0, decoded.1, resized.0, resized.1)
    };
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
    let pixels = if plan.canvas == plan.resized { pixels } else { resize::pad(pixels, &plan, background) };
    let (width, height) = pixels.dimensions();
    let quality = options.effective_quality();
    let bytes = encode::encode(&pixels, output_format, quality)?;
    let encode_report = match output_format {
        OutputFormat::Jpeg => format!("jpeg q{quality}, {} bytes", bytes.len()),
        lossless => format!("{} lossless, {} bytes", lossless.name(), bytes.len()),
    };
    let report = Report { decode: decode_report, resize: resize_report, encode: encode_report };
    Ok(Outcome::Encoded(Encoded { bytes, format: output_format, width, height, report }))
}

/// Refuses an image of more than `max_pixels` pixels, before anything is allocated for it.
fn check_pixels(width: u32, height: u32, max_pixels: u64) -> Result<(), ProxyError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(ProxyError::TooManyPixels { pixels, limit: max_pixels });
    }
    Ok(())
}
