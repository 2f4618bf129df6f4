//! [`prepare`]: what is known from the header before a pixel is decoded, held in a [`Work`].
//!
//! The header gives the size and format; from them and the options come the output's
//! geometry, whether an animation stays animated, the output format, the ICC profile kept and
//! the JPEG shrink-on-load. The limit on pixels is applied here, to the output and to what
//! will be decoded. A border trim (`trim=border`) needs the pixels: the work is planned on
//! the whole source, and planned again ([`Work::with_trim`]) once the border is found. What a
//! `Work` will cost is in `memory.rs` ([`Work::memory_bytes`]) and `cpu.rs` ([`Work::cpu_ns`]);
//! carrying it out is in `run.rs` ([`Work::run`]).

use std::rc::Rc;

use super::animation::{self, Decision, FirstOnly};
pub(super) use super::decode::check_pixels;
use super::decode::{self, inspect, ImageInfo, Shrink};
use super::geometry::{plan_output, CropBox, Geometry};
use super::overlay::{self, Layer, Overlay};
use super::profile;
use crate::error::ProxyError;
use crate::format::{OutputFormat, SourceFormat};
use crate::negotiate::FormatRequest;
use crate::options::{BorderTrim, Gravity, TransformOptions, Trim, TrimSides};

/// A transformation planned from the header: its size, its decode scale and the memory it
/// will take are known before a pixel is decoded. Cloning it is cheap (the profile is shared).
#[derive(Debug, Clone)]
pub struct Work<'a> {
    /// The source, whole.
    pub(super) bytes: &'a [u8],
    /// What was asked for.
    pub(super) options: &'a TransformOptions,
    /// What the header says.
    pub(super) info: ImageInfo,
    /// The format asked for, as far as the request settles it.
    pub(super) format: FormatRequest,
    /// The format written.
    pub(super) output_format: OutputFormat,
    /// The source's ICC profile, copied into the output (see [`profile`]).
    pub(super) profile: Option<Rc<[u8]>>,
    /// Whether an animated source stays animated (then the output is an animated GIF, WebP or
    /// PNG).
    pub(super) animation: Decision,
    /// Whether the output is written in the source's own format (an animation in its own
    /// container).
    pub(super) keeps_format: bool,
    /// The geometry in the requested (rotated) axes.
    pub(super) plan: Geometry,
    /// The same crop and resize in the source's own axes.
    pub(super) source_plan: Geometry,
    /// The part of the source `trim` leaves (all of it without a trim, and until a border
    /// is found), in source pixels.
    pub(super) region: CropBox,
    /// `trim=border`, until it is found in the pixels and the work planned again without it.
    pub(super) border: Option<BorderTrim>,
    /// How the source is decoded: at full size, or a JPEG scaled down on load.
    pub(super) shrink: Shrink,
    /// The most pixels decoded or produced (`MAX_SOURCE_PIXELS`).
    pub(super) max_pixels: u64,
    /// What a progressive JPEG's decoder keeps of the whole image until its last scan.
    pub(super) coefficient_bytes: u64,
    /// The cheaper paths the CPU budget took ([`Work::within_cpu`]), kept when the work is
    /// planned again.
    pub(super) steps: Vec<Step>,
    /// The overlays drawn on the output (`draw`, the watermark), their headers read.
    pub(super) overlays: Vec<Layer<'a>>,
    /// The CPU budget [`Work::within_cpu`] fitted this work to, in nanoseconds, for what the
    /// header could not foresee (a damaged JPEG's repair); `None` before a budget is applied.
    pub(super) cpu_budget_ns: Option<u64>,
}

/// A cheaper path [`Work::within_cpu`] may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// JPEG, or PNG with alpha, instead of the format negotiation chose (`compression=fast`).
    FastFormat,
    /// A baseline JPEG instead of a progressive one.
    Baseline,
    /// A JPEG decoded at half the scale planned.
    MoreShrink,
}

/// Reads the header, plans the geometry and refuses what would exceed `max_pixels`. Whether
/// the work needs doing at all is for `plan` to decide, from [`Work::info`],
/// [`Work::keeps_format`] and [`Work::canvas`].
pub fn prepare<'a>(
    bytes: &'a [u8],
    options: &'a TransformOptions,
    format: FormatRequest,
    max_pixels: u64,
) -> Result<Work<'a>, ProxyError> {
    // The header, and the output planned on it: on what the trim leaves, or, for a border
    // that only the pixels can show, on the whole source for now.
    let info = inspect(bytes)?;
    let displayed = (info.width, info.height);
    let (trim, border) = match options.trim {
        Some(Trim::Border(border)) => (None, Some(border)),
        trim => (trim.and_then(|trim| trim.sides(displayed)), None),
    };
    let (region, plan) = plan_output(displayed, trim, options)?;
    check_pixels(plan.canvas, max_pixels)?;
    // What is written: animated or not, in which format, with which profile.
    let profile = profile::to_keep(bytes, info.format).map(Rc::from);
    let animation = animation::decide(bytes, &info, options, format, plan.canvas);
    let (output_format, keeps_format) =
        output_format(&info, animation, format, plan.canvas, profile.is_some());
    let (source_plan, shrink) = decoding(bytes, &info, options, &plan, region, max_pixels)?;
    let coefficient_bytes = decode::coefficient_bytes(bytes, &info);
    Ok(Work {
        bytes,
        options,
        info,
        format,
        output_format,
        profile,
        animation,
        keeps_format,
        plan,
        source_plan,
        region,
        border,
        shrink,
        max_pixels,
        coefficient_bytes,
        steps: Vec::new(),
        overlays: Vec::new(),
        cpu_budget_ns: None,
    })
}

/// The crop in the source's own axes and the scale the source is decoded at. What is decoded
/// is what must fit the limit: a JPEG shrunk on load never holds its full size in memory.
fn decoding(
    bytes: &[u8],
    info: &ImageInfo,
    options: &TransformOptions,
    plan: &Geometry,
    region: CropBox,
    max_pixels: u64,
) -> Result<(Geometry, Shrink), ProxyError> {
    let source_plan = source_plan(plan, region, options);
    let shrink = decode::shrink_on_load(bytes, info, &source_plan);
    check_pixels(shrink.loaded_size(info), max_pixels)?;
    Ok((source_plan, shrink))
}

/// The format written, and whether it is the source's own: an animation's container, or
/// what the request resolves to for a still image (and for the first frame of an animation,
/// which is not the source's own when a still was asked for).
pub(super) fn output_format(
    info: &ImageInfo,
    animation: Decision,
    format: FormatRequest,
    canvas: (u32, u32),
    keeps_profile: bool,
) -> (OutputFormat, bool) {
    match animation {
        Decision::Animated(animation) => {
            (animation.container.output(), animation.container.holds(info.format))
        }
        Decision::Still | Decision::FirstFrame { .. } => {
            let canvas_pixels = u64::from(canvas.0) * u64::from(canvas.1);
            let output = format.resolve(info.format, info.has_alpha, canvas_pixels, keeps_profile);
            // An animation's own bytes are not the still image that was asked for.
            let still_asked = matches!(animation, Decision::FirstFrame { why: FirstOnly::Asked, .. });
            // A format read but never written is its own answer when the format is left to
            // the source: served as it is when nothing else is asked (else written as PNG).
            let unwritten_kept =
                matches!(info.format, SourceFormat::Bmp | SourceFormat::Ico | SourceFormat::Tiff)
                    && format == FormatRequest::Original;
            // An AVIF, never decoded, is its own answer wherever AVIF is: its size, not the
            // encoder's, is what it is.
            let avif_kept = info.format == SourceFormat::Avif
                && matches!(
                    format,
                    FormatRequest::Original
                        | FormatRequest::AutoAvif
                        | FormatRequest::Exactly(OutputFormat::Avif)
                );
            let kept = info.format.as_output() == Some(output) || unwritten_kept || avif_kept;
            (output, kept && !still_asked)
        }
    }
}

/// The crop in the source's own axes, inside what the trim leaves. Gravity names a point of
/// the trimmed source as displayed, before rotate and flip, so it moves the crop there; the
/// crop's size is the same wherever it sits, which is all shrink-on-load needs.
/// (`gravity=auto` is aimed later, on the decoded pixels.)
fn source_plan(plan: &Geometry, region: CropBox, options: &TransformOptions) -> Geometry {
    let source_plan = plan.before_rotation(options.rotate.swaps_axes()).inside(region);
    let Gravity::Point { x, y } = options.gravity else {
        return source_plan;
    };
    source_plan.focused_on(region, (f64::from(x) / 1000.0, f64::from(y) / 1000.0))
}

impl<'a> Work<'a> {
    /// This work with `trim` cut off the source, once a border has been found: its geometry,
    /// decode scale and (for a still image) output format planned again on what is left. An
    /// animation stays the animation that was decided, in the same container.
    pub(super) fn with_trim(&self, trim: TrimSides) -> Result<Work<'a>, ProxyError> {
        let (region, plan) = plan_output((self.info.width, self.info.height), Some(trim), self.options)?;
        check_pixels(plan.canvas, self.max_pixels)?;
        let (output_format, keeps_format) =
            output_format(&self.info, self.animation, self.format, plan.canvas, self.profile.is_some());
        let (source_plan, shrink) =
            decoding(self.bytes, &self.info, self.options, &plan, region, self.max_pixels)?;
        let again = Work {
            output_format,
            keeps_format,
            plan,
            source_plan,
            region,
            border: None,
            shrink,
            steps: Vec::new(),
            ..self.clone()
        };
        Ok(again.with_steps(&self.steps))
    }
}

impl<'a> Work<'a> {
    /// This work with `overlays` drawn on its output, their headers read (only images the
    /// engine decodes, each within `MAX_SOURCE_PIXELS`), so that the estimates count them.
    pub fn with_overlays(self, overlays: &[Overlay<'a>]) -> Result<Work<'a>, ProxyError> {
        let overlays = overlay::layers(overlays, self.max_pixels)?;
        Ok(Work { overlays, ..self })
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
}
