//! The CPU a [`Work`] will take, estimated from the header before a pixel is decoded, as its
//! memory is (`memory.rs`), and [`Work::within_cpu`]: the cheaper path taken when the estimate
//! is over the `CPU_BUDGET_MS` a request may spend, or the news that even the cheapest is over.
//!
//! The constants were measured in workerd, the Worker process's CPU time over serial
//! requests (`/proc/<pid>/stat`); the table and how it was measured are in `bench/cpu.md`.
//! Costs are in nanoseconds a pixel (or a source byte), integers so the arithmetic is exact.
//!
//! The cheaper paths, in order, each taken only when it applies and the estimate is still over
//! the budget, and kept once taken:
//! 1. a faster encoder where the format was left to negotiation (`format=auto`): JPEG, or PNG
//!    for alpha, instead of AVIF or WebP, which is what `compression=fast` asks for;
//! 2. a baseline JPEG instead of a progressive one;
//! 3. more shrink-on-load: a JPEG decoded at the next smaller scale (up to 1/8), resized up
//!    by less than 2× to the size asked for.
//!
//! The paths that keep the pixels (a larger file, or a JPEG that does not load coarse first)
//! come before the one that softens them. Animations keep their container and their frames:
//! none of these applies to them.

use super::animation::Decision;
use super::decode::Shrink;
use super::overlay;
use super::work::{output_format, Step, Work};
use crate::budget::RETRY_AFTER_SECONDS;
use crate::error::ProxyError;
use crate::format::{OutputFormat, SourceFormat};
use crate::negotiate::FormatRequest;

/// What every transform costs beside its pixels and bytes: reading the body into Wasm, the
/// header, the answer's headers, beyond what a fetch-only Worker spends on the same request
/// (ours answering a source untouched, 8.5 to 14 ms of workerd's CPU, against 4.5 to 5.3 for
/// the fetch-only Worker, in wrangler dev; 3 ms fits workerd alone's table, bench/cpu.md).
const REQUEST_NS: u64 = 3_000_000;

/// Each source byte read into Wasm memory and through the header's reading.
const READ_NS_PER_BYTE: u64 = 2;

/// Entropy-decoding a JPEG, at any scale (shrink-on-load skips most of the inverse DCT, never
/// the Huffman decoding): per byte of the file and per source pixel. Refitted on a quiet
/// machine (`node bench/calibrate.mjs`, bench/cpu.md) after jpeg-decoder's faster bit reader
/// and lookup tables, on the flower (547 kB, 3.4 Mpx, q85) and two grainy q92 photos (3.6 MB,
/// 12 Mpx; 6.8 MB, 24 Mpx) decoded at 1/8: about 11, 51 and 110 ms of entropy decoding. Dense
/// data costs more a byte than the flower's, so the fit sits on the dense ones (the flower
/// is over by about 1 ms). A damaged JPEG is decoded, walked and decoded again (about three
/// times this): the header cannot tell, so the repair is charged when the decoder reports the
/// damage ([`Work::repair_ns`]), against the budget the work was fitted to. 9 ns a byte
/// then; 8 since the SIMD kernels (refitted 4 December 2026, bench/cpu.md), the 4:4:4 flower,
/// twice the blocks a byte, still under its estimate.
const JPEG_ENTROPY_NS_PER_BYTE: u64 = 8;
const JPEG_ENTROPY_NS_PER_SOURCE_PIXEL: u64 = 2;

/// A JPEG's pixels as loaded (after shrink-on-load): the rest of the inverse DCT, upsampling,
/// colour conversion and the copy into the engine's layout. 10 ns before the inverse DCT and
/// the upsampling ran in Wasm SIMD; 6 after (the flower whole: 77 ms estimated, 71 to 73
/// measured).
const JPEG_NS_PER_LOADED_PIXEL: u64 = 6;

/// How many times a baseline JPEG's entropy decoding a progressive one's takes, in quarters:
/// jpeg-decoder gathers every coefficient over several scans before transforming (the
/// progressive flower's 1/8 decode: about 45 ms, against 4 for the baseline one).
const PROGRESSIVE_ENTROPY_QUARTERS: u64 = 18;

/// PNG, GIF and WebP decoding, per pixel (PNG: the 768×512 Kodak photo; GIF and WebP are
/// not measured yet, and are given PNG's and more).
const PNG_NS_PER_PIXEL: u64 = 8;
const GIF_NS_PER_PIXEL: u64 = 8;
const WEBP_NS_PER_PIXEL: u64 = 20;

/// Lanczos3 resizing, per pixel of its input and of its intermediate (two passes): the flower
/// → 720 px (1134×756 in, 1.4 M pixels through the passes) costs about 7 ms more than
/// encoding its 1134 px decode whole would save. With alpha, the pixels are premultiplied
/// before and divided after, in four channels instead of three: the 768×512 RGBA PNG → 256 px
/// costs about 6 ms more than its RGB twin, counted here as [`ALPHA_RESIZE_FACTOR`] times.
/// 5 ns then, 4 in the refit of 4 December 2026.
const RESIZE_NS_PER_PIXEL: u64 = 4;
const ALPHA_RESIZE_FACTOR: u64 = 3;

/// Encoding, per output pixel: progressive and baseline JPEG, PNG (fast), WebP (its lossless
/// try and its lossy encoder), AVIF (rav1e at speed 10) and a GIF frame, which also costs the
/// quantiser's set-up ([`GIF_FRAME_NS`]). Refitted on 4 December 2026 (bench/cpu.md), after
/// jpeg-encoder's SIMD and the faster WebP encoder: 20, 17, 35, 470 and 2,200 ns before. The
/// WebP encoder's cost a pixel falls with size (the flower → 320 px about 250 ns, → 720 px
/// about 190): the fit keeps above the small outputs, the common ones.
const JPEG_PROGRESSIVE_NS_PER_PIXEL: u64 = 12;
const JPEG_BASELINE_NS_PER_PIXEL: u64 = 10;
const PNG_ENCODE_NS_PER_PIXEL: u64 = 20;
const WEBP_ENCODE_NS_PER_PIXEL: u64 = 300;
const AVIF_ENCODE_NS_PER_PIXEL: u64 = 1_800;
const GIF_ENCODE_NS_PER_PIXEL: u64 = 100;

/// Compositing an overlay, per output pixel it covers (every tile of a repeated one): a
/// few multiplications in floating point a channel. Not measured yet: taken as a JPEG's
/// decoding of a loaded pixel, which is of the same order.
const COMPOSITE_NS_PER_PIXEL: u64 = 10;

/// The GIF quantiser's set-up, per frame however small (see `animation::MAX_FRAMES`).
const GIF_FRAME_NS: u64 = 1_000_000;

/// The steps in the order they are taken.
const STEPS: [Step; 3] = [Step::FastFormat, Step::Baseline, Step::MoreShrink];

/// What the CPU budget made of a work, for `Server-Timing`: `cpu;desc="estimate 42 ms, budget
/// 10 ms, webp -> jpeg"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuNote {
    /// The estimate of the path first planned, in milliseconds (rounded up).
    pub estimate_ms: u64,
    /// The budget, in milliseconds.
    pub budget_ms: u64,
    /// The estimate of the path taken, when cheaper steps were taken.
    pub cheaper_ms: Option<u64>,
    /// The steps taken, as `webp -> jpeg`, `progressive -> baseline`, `1/2 -> 1/4 scale`.
    pub steps: Vec<String>,
    /// Whether even the cheapest path is over the budget.
    pub over: bool,
}

impl CpuNote {
    /// The `Server-Timing` entry.
    pub fn server_timing(&self) -> String {
        let mut desc = format!("estimate {} ms", self.estimate_ms);
        if let Some(cheaper) = self.cheaper_ms {
            desc.push_str(&format!(" -> {cheaper} ms"));
        }
        desc.push_str(&format!(", budget {} ms", self.budget_ms));
        for step in &self.steps {
            desc.push_str(&format!(", {step}"));
        }
        if self.over {
            desc.push_str(", over: not transformed");
        }
        format!("cpu;desc=\"{desc}\"")
    }
}

/// What [`Work::within_cpu`] decided.
// Returned once and taken apart at once, never stored: boxing the work would only add an
// allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum CpuFit<'a> {
    /// This work (the one planned, or a cheaper one) is within the budget.
    Within(Work<'a>, CpuNote),
    /// Even the cheapest path is over the budget.
    Over(CpuNote),
}

impl<'a> Work<'a> {
    /// The CPU the transformation takes, in nanoseconds, estimated from the header: the
    /// request's fixed cost and its bytes, decoding (for a JPEG, the entropy decoding of
    /// its bytes at any scale and the pixels as loaded), resizing and encoding, every frame
    /// of an animation alike.
    pub fn cpu_ns(&self) -> u64 {
        let loaded = self.shrink.loaded_size(&self.info);
        let frames = match self.animation {
            Decision::Animated(animation) => u64::from(animation.frames.max(1)),
            Decision::Still | Decision::FirstFrame { .. } => 1,
        };
        let bytes = self.bytes.len() as u64;
        let per_frame = decoding_ns(self, loaded) + resizing_ns(self, loaded) + encoding_ns(self);
        let (prepared, drawn) = overlays_ns(self);
        REQUEST_NS + bytes * READ_NS_PER_BYTE + prepared + frames * (per_frame + drawn)
    }

    /// What repairing a damaged JPEG adds to [`Work::cpu_ns`], known only once jpeg-decoder
    /// fails or reports damage: the walk of its Huffman codes (as costly as the entropy
    /// decoding) and a second decode of the repaired copy.
    pub(super) fn repair_ns(&self) -> u64 {
        let loaded = self.shrink.loaded_size(&self.info);
        2 * jpeg_entropy_ns(self) + area(loaded) * JPEG_NS_PER_LOADED_PIXEL
    }

    /// What the full-size fallback adds to [`Work::cpu_ns`], known only once a scaled JPEG
    /// decode fails: a second decode, at full size (its entropy decoding again and every
    /// pixel), and the resize from that size instead of the scaled one.
    pub(super) fn full_size_fallback_ns(&self) -> u64 {
        let full = (self.info.width, self.info.height);
        let loaded = self.shrink.loaded_size(&self.info);
        (decoding_ns(self, full) + resizing_ns(self, full)).saturating_sub(resizing_ns(self, loaded))
    }

    /// `Ok` when the work, with `extra` nanoseconds of `unforeseen` work that the header did
    /// not foresee, is still within the budget it was fitted to (or none was applied); else
    /// the refusal to answer with.
    pub(super) fn within_budget_with(&self, extra: u64, unforeseen: &'static str) -> Result<(), ProxyError> {
        let Some(budget_ns) = self.cpu_budget_ns else { return Ok(()) };
        let estimate = self.cpu_ns().saturating_add(extra);
        if estimate <= budget_ns {
            return Ok(());
        }
        Err(ProxyError::OverCpuBudget {
            estimate_ms: ms(estimate),
            budget_ms: budget_ns / 1_000_000,
            retry_after_seconds: RETRY_AFTER_SECONDS,
            unforeseen: Some(unforeseen),
        })
    }

    /// This work within `budget_ms` of CPU: as planned when its estimate fits, else with the
    /// cheaper steps (see the module's list) taken one by one until it fits; or, when even
    /// all of them leave it over, [`CpuFit::Over`].
    pub fn within_cpu(self, budget_ms: u64) -> CpuFit<'a> {
        let budget_ns = budget_ms.saturating_mul(1_000_000);
        let first = self.cpu_ns();
        let mut note =
            CpuNote { estimate_ms: ms(first), budget_ms, cheaper_ms: None, steps: Vec::new(), over: false };
        let mut work = self;
        let mut estimate = first;
        for step in STEPS {
            if estimate <= budget_ns {
                break;
            }
            if let Some((cheaper, what)) = work.cheaper(step) {
                work = cheaper;
                estimate = work.cpu_ns();
                note.steps.push(what);
                note.cheaper_ms = Some(ms(estimate));
            }
        }
        if estimate <= budget_ns {
            return CpuFit::Within(Work { cpu_budget_ns: Some(budget_ns), ..work }, note);
        }
        note.over = true;
        CpuFit::Over(note)
    }

    /// This work with `step` taken, and what it changed (`webp -> jpeg`), or `None` when the
    /// step does not apply to it.
    pub(super) fn cheaper(&self, step: Step) -> Option<(Work<'a>, String)> {
        let still = !matches!(self.animation, Decision::Animated(_));
        match step {
            Step::FastFormat => {
                let negotiated = matches!(self.format, FormatRequest::AutoAvif | FormatRequest::AutoWebp);
                let format = FormatRequest::AutoFast;
                let (output_format, keeps_format) = output_format(
                    &self.info,
                    self.animation,
                    format,
                    self.plan.canvas,
                    self.profile.is_some(),
                );
                if !still || !negotiated || output_format == self.output_format {
                    return None;
                }
                let what = format!("{} -> {}", self.output_format.name(), output_format.name());
                let steps = self.with_step(step);
                Some((Work { format, output_format, keeps_format, steps, ..self.clone() }, what))
            }
            Step::Baseline => {
                if !still || self.output_format != OutputFormat::Jpeg {
                    return None;
                }
                let what = "progressive -> baseline".to_string();
                Some((
                    Work {
                        output_format: OutputFormat::BaselineJpeg,
                        steps: self.with_step(step),
                        ..self.clone()
                    },
                    what,
                ))
            }
            Step::MoreShrink => {
                let Shrink::Jpeg(n) = self.shrink else { return None };
                if !still || n >= 8 {
                    return None;
                }
                let what = format!("jpeg 1/{n} -> 1/{} scale", n * 2);
                Some((
                    Work { shrink: Shrink::Jpeg(n * 2), steps: self.with_step(step), ..self.clone() },
                    what,
                ))
            }
        }
    }

    /// The steps taken so far and `step`.
    fn with_step(&self, step: Step) -> Vec<Step> {
        let mut steps = self.steps.clone();
        steps.push(step);
        steps
    }

    /// This work with the cheaper steps another plan took (a work planned again once its
    /// border is found keeps the path its first plan took).
    pub(super) fn with_steps(self, steps: &[Step]) -> Work<'a> {
        steps.iter().fold(self, |work, step| match work.cheaper(*step) {
            Some((cheaper, _)) => cheaper,
            None => work,
        })
    }
}

/// Nanoseconds in whole milliseconds, rounded up.
fn ms(ns: u64) -> u64 {
    ns.div_ceil(1_000_000)
}

/// Pixels in an image of this size.
fn area((width, height): (u32, u32)) -> u64 {
    u64::from(width) * u64::from(height)
}

/// Decoding the source (one frame of it), `loaded` pixels as decoded.
fn decoding_ns(work: &Work, loaded: (u32, u32)) -> u64 {
    let source = area((work.info.width, work.info.height));
    match work.info.format {
        SourceFormat::Jpeg => jpeg_entropy_ns(work) + area(loaded) * JPEG_NS_PER_LOADED_PIXEL,
        SourceFormat::Png => source * PNG_NS_PER_PIXEL,
        SourceFormat::Gif => source * GIF_NS_PER_PIXEL,
        SourceFormat::Webp => source * WEBP_NS_PER_PIXEL,
        // Not measured yet: taken as PNG's, which they are no dearer than (BMP is stored
        // uncompressed, ICO holds BMP or PNG, TIFF is at most deflate or LZW).
        SourceFormat::Bmp | SourceFormat::Ico | SourceFormat::Tiff => source * PNG_NS_PER_PIXEL,
        // Never decoded: served as they are (AVIF) or sanitised as text (SVG).
        SourceFormat::Avif | SourceFormat::Svg => 0,
    }
}

/// A JPEG's entropy decoding, at any scale: its bytes and source pixels, more for a
/// progressive one.
fn jpeg_entropy_ns(work: &Work) -> u64 {
    let source = area((work.info.width, work.info.height));
    let entropy =
        work.bytes.len() as u64 * JPEG_ENTROPY_NS_PER_BYTE + source * JPEG_ENTROPY_NS_PER_SOURCE_PIXEL;
    if work.coefficient_bytes > 0 {
        entropy * PROGRESSIVE_ENTROPY_QUARTERS / 4
    } else {
        entropy
    }
}

/// Resizing the crop of the `loaded` pixels to the output: its input and its intermediate.
fn resizing_ns(work: &Work, loaded: (u32, u32)) -> u64 {
    let plan = &work.source_plan;
    if plan.resized == loaded {
        return 0;
    }
    let scale = f64::from(loaded.0) / f64::from(work.info.width.max(1));
    let crop_width = (plan.crop.width * scale).ceil() as u64;
    let crop_height = (plan.crop.height * scale).ceil() as u64;
    let (out_width, out_height) = (u64::from(plan.resized.0), u64::from(plan.resized.1));
    let intermediate = (out_width * crop_height).min(crop_width * out_height);
    let per_pixel =
        if work.info.has_alpha { RESIZE_NS_PER_PIXEL * ALPHA_RESIZE_FACTOR } else { RESIZE_NS_PER_PIXEL };
    (crop_width * crop_height + intermediate) * per_pixel
}

/// The overlays: preparing them once (their bytes read, decoded as PNG is, resized) and
/// drawing them on a frame (at most the canvas per tile row and column, counted as the
/// whole canvas when tiled).
fn overlays_ns(work: &Work) -> (u64, u64) {
    let canvas = work.plan.canvas;
    let layers = work.overlays.iter().filter(|layer| layer.applies(canvas));
    layers.fold((0, 0), |(prepared, drawn), layer| {
        let (decoded, placed) = overlay::sizes(layer, canvas);
        let bytes = layer.overlay.bytes.len() as u64 * READ_NS_PER_BYTE;
        let prepare = bytes
            + area(decoded) * (PNG_NS_PER_PIXEL + RESIZE_NS_PER_PIXEL)
            + area(placed) * RESIZE_NS_PER_PIXEL;
        let covered = if layer.overlay.place.repeat == crate::options::Repeat::No {
            area(placed).min(area(canvas))
        } else {
            area(canvas)
        };
        (prepared + prepare, drawn + covered * COMPOSITE_NS_PER_PIXEL)
    })
}

/// Encoding the canvas.
fn encoding_ns(work: &Work) -> u64 {
    let per_pixel = match work.output_format {
        OutputFormat::Jpeg => JPEG_PROGRESSIVE_NS_PER_PIXEL,
        OutputFormat::BaselineJpeg => JPEG_BASELINE_NS_PER_PIXEL,
        OutputFormat::Png => PNG_ENCODE_NS_PER_PIXEL,
        OutputFormat::Webp => WEBP_ENCODE_NS_PER_PIXEL,
        OutputFormat::Avif => AVIF_ENCODE_NS_PER_PIXEL,
        OutputFormat::Gif => GIF_ENCODE_NS_PER_PIXEL,
    };
    let set_up = if work.output_format == OutputFormat::Gif { GIF_FRAME_NS } else { 0 };
    area(work.plan.canvas) * per_pixel + set_up
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::TransformOptions;
    use crate::transform::prepare;

    /// A 100×60 opaque PNG.
    fn png() -> Vec<u8> {
        let image = image::RgbImage::from_pixel(100, 60, image::Rgb([10, 20, 30]));
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Png).unwrap_or_default();
        out.into_inner()
    }

    /// A 100×60 PNG with half-transparent pixels.
    fn png_with_alpha() -> Vec<u8> {
        let image = image::RgbaImage::from_pixel(100, 60, image::Rgba([10, 20, 30, 128]));
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Png).unwrap_or_default();
        out.into_inner()
    }

    #[test]
    fn resizing_with_alpha_costs_its_premultiplying_too() {
        // Test-only `panic!`: the fixture is made here; a failure is the test failing.
        let options = TransformOptions { width: Some(50), ..TransformOptions::default() };
        let estimate = |source: &[u8]| {
            let Ok(work) = prepare(source, &options, FormatRequest::Exactly(OutputFormat::Png), 1 << 24)
            else {
                panic!("prepare")
            };
            work.cpu_ns() - source.len() as u64 * READ_NS_PER_BYTE
        };
        let resize = (6_000 + 3_000) * RESIZE_NS_PER_PIXEL;
        assert_eq!(estimate(&png_with_alpha()) - estimate(&png()), resize * (ALPHA_RESIZE_FACTOR - 1));
    }

    #[test]
    fn the_estimate_adds_up_its_stages() {
        let source = png();
        let options = TransformOptions { width: Some(50), ..TransformOptions::default() };
        let Ok(work) = prepare(&source, &options, FormatRequest::Exactly(OutputFormat::Png), 1 << 24) else {
            panic!("prepare")
        };
        let bytes = source.len() as u64;
        // 100x60 decoded; resized to 50x30 through a 50x60 intermediate; 50x30 encoded.
        let expected = REQUEST_NS
            + bytes * READ_NS_PER_BYTE
            + 6_000 * PNG_NS_PER_PIXEL
            + (6_000 + 3_000) * RESIZE_NS_PER_PIXEL
            + 1_500 * PNG_ENCODE_NS_PER_PIXEL;
        assert_eq!(work.cpu_ns(), expected);
        let as_webp = Work { output_format: OutputFormat::Webp, ..work.clone() };
        assert_eq!(as_webp.cpu_ns(), expected + 1_500 * (WEBP_ENCODE_NS_PER_PIXEL - PNG_ENCODE_NS_PER_PIXEL));
    }

    #[test]
    fn a_jpeg_costs_its_bytes_at_any_scale_and_its_pixels_as_loaded() {
        let image = image::RgbImage::from_fn(800, 400, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut source = Vec::new();
        let encoded =
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut source, 90).encode_image(&image);
        assert!(encoded.is_ok());
        let options = TransformOptions { width: Some(100), ..TransformOptions::default() };
        let Ok(work) =
            prepare(&source, &options, FormatRequest::Exactly(OutputFormat::BaselineJpeg), 1 << 24)
        else {
            panic!("prepare")
        };
        assert_eq!(work.shrink, Shrink::Jpeg(8), "100x50 loaded, no resize");
        let bytes = source.len() as u64;
        let expected = REQUEST_NS
            + bytes * READ_NS_PER_BYTE
            + bytes * JPEG_ENTROPY_NS_PER_BYTE
            + 320_000 * JPEG_ENTROPY_NS_PER_SOURCE_PIXEL
            + 5_000 * JPEG_NS_PER_LOADED_PIXEL
            + 5_000 * JPEG_BASELINE_NS_PER_PIXEL;
        assert_eq!(work.cpu_ns(), expected);
        assert_eq!(ms(1), 1);
        assert_eq!(ms(1_000_001), 2, "rounded up");
    }
}
