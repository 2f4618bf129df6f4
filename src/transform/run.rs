//! [`Work::run`]: the pixels' way through the engine, decode → (find a border) → aim →
//! shape → encode, for a still image or every frame of an animation, with the [`Report`] of
//! what each stage did.

use super::animation::{self, Animation, Container, Decision, FirstOnly};
use super::border;
use super::decode::{self, Shrink};
use super::encode::{self, Output};
use super::geometry::{CropBox, Geometry};
use super::jpeg_damage::{self, Checked};
use super::metadata;
use super::overlay;
use super::shape::{aim, shape};
use super::work::{check_pixels, Work};
use super::{Completeness, Encoded, Pixels, Report};
use crate::budget::RETRY_AFTER_SECONDS;
use crate::error::ProxyError;
use crate::format::{OutputFormat, SourceFormat};
use crate::options::{BorderTrim, TrimSides};

/// The `Server-Timing` steps of a fitted transform that work the header could not foresee
/// took over the CPU budget: a damaged JPEG's repair, a full-size decode after a scaled one.
const REPAIR: &str = "damaged jpeg repaired";
const FULL_SIZE_FALLBACK: &str = "full-size decode after a scaled one failed";

/// The memory budget as a run sees it: the bytes it holds (at first its work's
/// [`Work::memory_bytes`], reserved by the caller), and the caller's `more_room` for more.
struct Room<F> {
    held: u64,
    more_room: F,
}

impl<F: FnMut(u64) -> bool> Room<F> {
    /// Asks for `extra` bytes more; whether they were granted.
    fn grow(&mut self, extra: u64) -> bool {
        let granted = (self.more_room)(extra);
        if granted {
            self.held += extra;
        }
        granted
    }

    /// Holds at least `total` bytes, or answers that the budget has no room now.
    fn hold(&mut self, total: u64) -> Result<(), ProxyError> {
        if total <= self.held || self.grow(total - self.held) {
            return Ok(());
        }
        Err(ProxyError::Busy { retry_after_seconds: RETRY_AFTER_SECONDS })
    }
}

/// What every frame of an animation gets, worked out on the first.
#[derive(Clone, Copy)]
struct Frames {
    /// The geometry in the requested axes (for the pad).
    plan: Geometry,
    /// The crop and resize in the source's axes, aimed.
    source_plan: Geometry,
    /// What the trim leaves.
    region: CropBox,
    /// The border trimmed, if one was asked for.
    found: Option<TrimSides>,
}

impl<'a> Work<'a> {
    /// Decodes, resizes and encodes. `more_room` is asked for extra bytes before anything
    /// beyond [`Work::memory_bytes`] is allocated (a full-size decode when a scaled one fails;
    /// what a found border leaves, when planned again, needing more than the whole source
    /// did); when it says no, that failure, or a 503, is the answer.
    pub fn run(self, more_room: impl FnMut(u64) -> bool) -> Result<Encoded, ProxyError> {
        let mut room = Room { held: self.memory_bytes(), more_room };
        match self.animation {
            Decision::Animated(animation) => self.run_animated(animation, &mut room),
            Decision::Still | Decision::FirstFrame { .. } => self.run_still(&mut room),
        }
    }

    /// One image: decoded (and its border found), aimed on the pixels as decoded, shaped and
    /// encoded.
    fn run_still(self, room: &mut Room<impl FnMut(u64) -> bool>) -> Result<Encoded, ProxyError> {
        let (pixels, completeness) = self.decode_source(room)?;
        let (work, pixels, found) = match self.border {
            Some(border) => self.without_border(border, pixels, room)?,
            None => (self, pixels, None),
        };
        work.finish_still(pixels, found, completeness)
    }

    /// `trim=border`: the border found on `pixels` (decoded as planned on the whole source),
    /// and the work planned again without it. When what the border leaves needs more pixels
    /// than `pixels` has (a JPEG shrunk on load further than the trimmed image allows), the
    /// source is decoded again at the scale the trim allows and the border found again, more
    /// finely, on that decode. Memory beyond what is held is asked of `room` first.
    fn without_border(
        self,
        border: BorderTrim,
        pixels: Pixels,
        room: &mut Room<impl FnMut(u64) -> bool>,
    ) -> Result<(Work<'a>, Pixels, Option<TrimSides>), ProxyError> {
        let source = (self.info.width, self.info.height);
        let sides = border::find(&pixels, source, border);
        let trimmed = self.with_trim(sides)?;
        let wanted = trimmed.shrink.loaded_size(&trimmed.info);
        let decoded = pixels.dimensions();
        if wanted.0 <= decoded.0 && wanted.1 <= decoded.1 {
            let trimmed = Work { shrink: self.decoded_as(decoded), ..trimmed };
            room.hold(trimmed.memory_bytes())?;
            return Ok((trimmed, pixels, Some(sides)));
        }
        drop(pixels);
        room.hold(trimmed.memory_bytes())?;
        let (pixels, _same_as_before) = trimmed.decode_source(room)?;
        let sides = border::find(&pixels, source, border);
        let again = Work { shrink: trimmed.decoded_as(pixels.dimensions()), ..trimmed.with_trim(sides)? };
        room.hold(again.memory_bytes())?;
        Ok((again, pixels, Some(sides)))
    }

    /// How the source was decoded, given the size it came out at: as planned, or at full size
    /// when a scaled decode failed and the full-size fallback took over.
    fn decoded_as(&self, decoded: (u32, u32)) -> Shrink {
        if decoded == (self.info.width, self.info.height) {
            Shrink::None
        } else {
            self.shrink
        }
    }

    /// Aims, shapes and encodes the decoded pixels; `found` is the border trimmed, if any.
    fn finish_still(
        &self,
        pixels: Pixels,
        found: Option<TrimSides>,
        completeness: Completeness,
    ) -> Result<Encoded, ProxyError> {
        let decoded = pixels.dimensions();
        let (source_plan, region) = aim(&pixels, &self.info, self.options, self.source_plan, self.region);
        let pixels = shape(pixels, self.options, &self.plan, &source_plan, region)?;
        let prepared = overlay::prepare(&self.overlays, pixels.dimensions())?;
        let pixels = overlay::draw(pixels, &prepared);
        drop(prepared);
        let quality = self.options.effective_quality();
        let output =
            encode::encode(&pixels, self.output_format, quality, self.exif(), self.profile.as_deref())?;
        let (width, height) = pixels.dimensions();
        let report = Report {
            decode: self.decode_report(decoded, found) + &completeness.report(),
            resize: resize_report(decoded, source_plan.resized),
            encode: self.encode_report(&output, quality),
        };
        Ok(Encoded { bytes: output.bytes, format: self.output_format, width, height, report, completeness })
    }

    /// The source's pixels, shrunk on load as planned, and how much of the picture they show.
    /// A JPEG that jpeg-decoder reads whole is decoded once. Any other JPEG (one it fails on
    /// or had to make part of up, or one the `image` crate decodes, which cannot tell) is
    /// walked first ([`jpeg_damage`], as costly as the Huffman decoding itself): its damaged
    /// restart intervals are replaced by grey ones, in a copy that `room` must grant. When the
    /// walk and the second decode would take the work over the CPU budget it was fitted to,
    /// [`ProxyError::OverCpuBudget`] instead.
    fn decode_source(
        &self,
        room: &mut Room<impl FnMut(u64) -> bool>,
    ) -> Result<(Pixels, Completeness), ProxyError> {
        // What the estimate did not foresee and has been charged to the budget since.
        let (checked, charged) = match self.info.format {
            SourceFormat::Jpeg => match decode::decode_if_intact(self.bytes, &self.info, self.shrink) {
                Some(pixels) => return Ok((pixels, Completeness::Whole)),
                None => {
                    // The walk and the second decode, which the estimate could not foresee,
                    // must still fit the CPU budget: the runtime cuts a request off past it.
                    let repair = self.repair_ns();
                    self.within_budget_with(repair, REPAIR)?;
                    (jpeg_damage::check(self.bytes), repair)
                }
            },
            _ => (Checked { completeness: Completeness::Whole, repair: None }, 0),
        };
        let Some(repair) = checked.repair else {
            return Ok((self.decode_bytes(self.bytes, room, charged)?, checked.completeness));
        };
        let copy = repair.len_at_most(self.bytes.len());
        if !room.grow(u64::try_from(copy).unwrap_or(u64::MAX)) {
            return Err(ProxyError::Busy { retry_after_seconds: RETRY_AFTER_SECONDS });
        }
        let repaired = repair.apply(self.bytes);
        Ok((self.decode_bytes(&repaired, room, charged)?, checked.completeness))
    }

    /// `bytes` (the source, or its repaired copy) decoded as planned. jpeg-decoder, which
    /// decodes a JPEG at every [`Shrink::Jpeg`] scale, is stricter than zune-jpeg (the `image`
    /// crate's) about some damaged streams that zune-jpeg conceals: when it fails, the `image`
    /// crate's full-size decode is the fallback, if it fits the limit, `more_room` grants
    /// what it takes beyond the estimate, and its CPU (which the estimate did not foresee
    /// either), with the `charged` nanoseconds of unforeseen work before it, still fits the
    /// budget the work was fitted to.
    fn decode_bytes(
        &self,
        bytes: &[u8],
        room: &mut Room<impl FnMut(u64) -> bool>,
        charged: u64,
    ) -> Result<Pixels, ProxyError> {
        match decode::decode(bytes, &self.info, self.shrink) {
            Err(scaled_failed) if self.shrink != Shrink::None => {
                check_pixels((self.info.width, self.info.height), self.max_pixels)?;
                let fallback = charged.saturating_add(self.full_size_fallback_ns());
                self.within_budget_with(fallback, FULL_SIZE_FALLBACK)?;
                if !room.grow(self.full_size_extra()) {
                    return Err(scaled_failed);
                }
                decode::decode(bytes, &self.info, Shrink::None)
            }
            decoded => decoded,
        }
    }

    /// The EXIF segment written into a JPEG output, as `metadata` asks; other formats carry
    /// none.
    fn exif(&self) -> Option<Vec<u8>> {
        match self.output_format {
            OutputFormat::Jpeg | OutputFormat::BaselineJpeg => {
                metadata::exif_segment(self.bytes, self.info.format, self.options.metadata)
            }
            OutputFormat::Png | OutputFormat::Webp | OutputFormat::Avif | OutputFormat::Gif => None,
        }
    }

    /// `jpeg 1/4 scale -> 1000x750`, `png 800x600`; the border found, if any; and whether this
    /// is the first frame of an animation, and why. The scale is the one decoded at: full
    /// size when a scaled decode failed and the full-size fallback took over.
    fn decode_report(&self, decoded: (u32, u32), found: Option<TrimSides>) -> String {
        let mut report = match self.decoded_as(decoded) {
            Shrink::Jpeg(n) if n > 1 => format!("jpeg 1/{n} scale -> {}x{}", decoded.0, decoded.1),
            _ => format!("{} {}x{}", self.info.format.name(), decoded.0, decoded.1),
        };
        if let Some(sides) = found {
            report.push_str(&border_report(sides));
        }
        if let Decision::FirstFrame { frames, why } = self.animation {
            report.push_str(&format!(", first of {frames} frames"));
            report.push_str(match why {
                FirstOnly::Asked => "",
                FirstOnly::OverLimit => " (the animation is over the limits)",
                FirstOnly::Unsupported => " (16-bit APNG frames are not decoded as an animation)",
            });
        }
        report
    }

    /// What the encoder wrote, and the ICC profile it carries.
    fn encode_report(&self, output: &Output, quality: u8) -> String {
        let mut report = output.describe(self.output_format, quality);
        if let Some(profile) = &self.profile {
            report.push_str(&format!(", ICC profile kept ({} bytes)", profile.len()));
        }
        report
    }

    /// Every frame through the same trim, crop, resize and effects, found and aimed once on
    /// the first frame (so that neither a border trim nor `gravity=auto` makes the picture
    /// jump between frames).
    fn run_animated(
        &self,
        animation: Animation,
        room: &mut Room<impl FnMut(u64) -> bool>,
    ) -> Result<Encoded, ProxyError> {
        let quality = self.options.effective_quality();
        let mut laid_out: Option<Frames> = None;
        let mut overlays: Option<Vec<overlay::Prepared>> = None;
        let encoded = animation::encode(self.bytes, &self.info, animation, quality, |pixels| {
            let frames = match laid_out {
                Some(frames) => frames,
                None => *laid_out.insert(self.lay_out_frames(&pixels, room)?),
            };
            let shaped = shape(pixels, self.options, &frames.plan, &frames.source_plan, frames.region)?;
            // Every frame has the same size: the overlays are prepared once, on the first.
            let prepared = match &overlays {
                Some(prepared) => prepared,
                None => overlays.insert(overlay::prepare(&self.overlays, shaped.dimensions())?),
            };
            Ok(overlay::draw(shaped, prepared))
        })?;
        let (resized, found) = match laid_out {
            Some(frames) => (frames.source_plan.resized, frames.found),
            None => (self.source_plan.resized, None),
        };
        let report = self.animated_report(animation, quality, &encoded, resized, found);
        let (width, height) = encoded.written.size;
        let format = animation.container.output();
        // Only JPEGs are checked for damage, and they are never animated.
        let completeness = Completeness::Whole;
        Ok(Encoded { bytes: encoded.written.bytes, format, width, height, report, completeness })
    }

    /// The geometry every frame of an animation gets, from its first frame: the border found
    /// on it (the work planned again without it, with the room that takes), then the aim.
    fn lay_out_frames(
        &self,
        first: &Pixels,
        room: &mut Room<impl FnMut(u64) -> bool>,
    ) -> Result<Frames, ProxyError> {
        let trimmed;
        let (work, found) = match self.border {
            Some(border) => {
                let sides = border::find(first, (self.info.width, self.info.height), border);
                trimmed = self.with_trim(sides)?;
                room.hold(trimmed.memory_bytes())?;
                (&trimmed, Some(sides))
            }
            None => (self, None),
        };
        let (source_plan, region) = aim(first, &work.info, work.options, work.source_plan, work.region);
        Ok(Frames { plan: work.plan, source_plan, region, found })
    }

    /// What an animation's decoding, resizing (to `resized`) and encoding did.
    fn animated_report(
        &self,
        animation: Animation,
        quality: u8,
        encoded: &animation::Encoded,
        resized: (u32, u32),
        found: Option<TrimSides>,
    ) -> Report {
        let (info, written) = (&self.info, &encoded.written);
        let how = match animation.container {
            Container::Gif => "written as changes".to_string(),
            Container::Webp => format!("each whole, q{quality} or lossless"),
            Container::Apng => "written as changes, lossless".to_string(),
        };
        let resized = resize_report((info.width, info.height), resized);
        Report {
            decode: format!(
                "{} {}x{}, {} frames{}{}",
                info.format.name(),
                info.width,
                info.height,
                encoded.frames_read,
                dropped_report(animation, encoded.frames_read),
                found.map(border_report).unwrap_or_default()
            ),
            resize: format!("{resized}, every frame"),
            encode: format!(
                "{} animated, {} frames {how}, {} bytes",
                animation.container.output().name(),
                written.frames_written,
                written.bytes.len()
            ),
        }
    }
}

/// `, border 16;40;16;24 trimmed` (top;right;bottom;left, in source pixels).
fn border_report(sides: TrimSides) -> String {
    let TrimSides { top, right, bottom, left } = sides;
    format!(", border {top};{right};{bottom};{left} trimmed")
}

/// What was dropped of an animation whose end is damaged: `, frames 5 to 7 do not decode,
/// dropped`, `, a cut-off frame 8 dropped`, or nothing.
fn dropped_report(animation: Animation, frames_read: u32) -> String {
    let mut report = String::new();
    let first = frames_read + 1;
    match animation.frames.saturating_sub(frames_read) {
        0 => {}
        1 => report.push_str(&format!(", frame {first} does not decode, dropped")),
        n => report.push_str(&format!(", frames {first} to {} do not decode, dropped", frames_read + n)),
    }
    if animation.cut_off {
        report.push_str(&format!(", a cut-off frame {} dropped", animation.frames + 1));
    }
    report
}

/// `1000x750 -> 480x360 lanczos3`, or `none`.
fn resize_report(decoded: (u32, u32), resized: (u32, u32)) -> String {
    if resized == decoded {
        "none".to_string()
    } else {
        format!("{}x{} -> {}x{} lanczos3", decoded.0, decoded.1, resized.0, resized.1)
    }
}
