//! Animated GIF output: frames written one behind, each as only the rectangle that changed
//! over the frame before, with the disposal that shows what the source showed.

use gif::Repeat;

use super::encode::Written;
use super::Pixels;
use crate::error::ProxyError;

/// NeuQuant's sampling factor: 1 samples every pixel (slowest, best), 30 the fewest. 10 is
/// the `gif` crate's recommendation, within a few percent of 1 in colour error at a sixth of
/// its time.
const QUANTISER_SPEED: i32 = 10;

/// A rectangle of the canvas: left, top, right and bottom, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rect {
    /// The first column.
    pub left: usize,
    /// The first row.
    pub top: usize,
    /// The last column.
    pub right: usize,
    /// The last row.
    pub bottom: usize,
}

impl Rect {
    fn point(x: usize, y: usize) -> Rect {
        Rect { left: x, top: y, right: x, bottom: y }
    }

    fn union(self, other: Rect) -> Rect {
        Rect {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
    }

    fn contains(self, x: usize, y: usize) -> bool {
        (self.left..=self.right).contains(&x) && (self.top..=self.bottom).contains(&y)
    }

    fn grow(area: &mut Option<Rect>, x: usize, y: usize) {
        *area = Some(area.map_or(Rect::point(x, y), |r| r.union(Rect::point(x, y))));
    }
}

/// A frame known but not yet written: what it covers depends on the frame after it.
struct Pending {
    /// The part of the canvas it draws.
    area: Rect,
    /// The area the frame before cleared after it was shown, which this one draws whole.
    cleared: Option<Rect>,
    /// Whether the area is cleared after it is shown.
    clears: bool,
    /// Hundredths of a second.
    delay: u16,
}

/// Writes frames one behind (a frame's area and disposal depend on the frame after it),
/// keeping the two frames last shown as RGBA with alpha made 0 or 255.
#[derive(Default)]
pub(super) struct Writer {
    encoder: Option<gif::Encoder<Vec<u8>>>,
    size: (usize, usize),
    /// The frame shown before `last`.
    older: Option<Vec<u8>>,
    /// The last frame pushed, the one `pending` describes.
    last: Option<Vec<u8>>,
    pending: Option<Pending>,
    written: u32,
}

impl Writer {
    /// Adds a frame shown for `delay` hundredths of a second; the first frame starts the file,
    /// which plays `repeat` times.
    pub fn push(&mut self, pixels: Pixels, delay: u16, repeat: Repeat) -> Result<(), ProxyError> {
        let (width, height) = pixels.dimensions();
        let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
            return Err(ProxyError::UndecodableImage(format!("{width}x{height} is too large for GIF")));
        };
        let rgba = one_bit_alpha(pixels.into_rgba());
        let whole = Rect { left: 0, top: 0, right: usize::from(w) - 1, bottom: usize::from(h) - 1 };
        if self.encoder.is_none() {
            let mut encoder = gif::Encoder::new(Vec::new(), w, h, &[]).map_err(failed)?;
            encoder.set_repeat(repeat).map_err(failed)?;
            self.encoder = Some(encoder);
            self.size = (usize::from(w), usize::from(h));
        }
        if (usize::from(w), usize::from(h)) != self.size {
            return Err(ProxyError::Internal("frames of an animation differ in size".into()));
        }
        let (Some(last), Some(pending)) = (&self.last, &mut self.pending) else {
            self.pending = Some(Pending { area: whole, cleared: None, clears: false, delay });
            self.last = Some(rgba);
            return Ok(());
        };
        let Some(next) = next_frame(pending, last, &rgba, self.size.0, delay) else {
            return Ok(());
        };
        self.write_pending()?;
        self.pending = Some(next);
        self.older = self.last.replace(rgba);
        Ok(())
    }

    /// Writes the pending frame: within its area, the pixels the frame before already shows
    /// are transparent (kept), except where that frame was cleared.
    fn write_pending(&mut self) -> Result<(), ProxyError> {
        let (Some(pending), Some(encoder), Some(current)) =
            (self.pending.take(), &mut self.encoder, &self.last)
        else {
            return Ok(());
        };
        let Pending { area, cleared, clears, delay } = pending;
        let (width, height) = (area.right - area.left + 1, area.bottom - area.top + 1);
        let mut patch = Vec::with_capacity(width * height * 4);
        for y in area.top..=area.bottom {
            for x in area.left..=area.right {
                let at = (y * self.size.0 + x) * 4;
                let new = current.get(at..at + 4).unwrap_or(&[0; 4]);
                let shown = self.older.as_ref().and_then(|older| older.get(at..at + 4));
                let redrawn = cleared.is_some_and(|c| c.contains(x, y));
                patch.extend_from_slice(if shown == Some(new) && !redrawn { &[0; 4] } else { new });
            }
        }
        // Both within the canvas, whose sides fit in u16.
        let side = |v: usize| u16::try_from(v).unwrap_or(u16::MAX);
        // from_rgba_speed panics only when the buffer is not width × height RGBA pixels or the
        // speed is outside 1..=30: the loop above pushed 4 bytes for each pixel of the area,
        // and the speed is a constant within range.
        let mut frame = gif::Frame::from_rgba_speed(side(width), side(height), &mut patch, QUANTISER_SPEED);
        frame.left = side(area.left);
        frame.top = side(area.top);
        frame.delay = delay;
        frame.dispose = if clears { gif::DisposalMethod::Background } else { gif::DisposalMethod::Keep };
        encoder.write_frame(&frame).map_err(failed)?;
        self.written += 1;
        Ok(())
    }

    /// Writes the last frame and closes the file.
    pub fn finish(mut self) -> Result<Written, ProxyError> {
        self.write_pending()?;
        let encoder =
            self.encoder.ok_or_else(|| ProxyError::UndecodableImage("the animation has no frames".into()))?;
        let bytes = encoder.into_inner().map_err(|e| ProxyError::Internal(format!("encode gif: {e}")))?;
        let side = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        let size = (side(self.size.0), side(self.size.1));
        Ok(Written { bytes, size, frames_written: self.written })
    }
}

/// The frame to write after `pending`, which shows `last`: the area where `frame` differs.
/// A visible pixel turning transparent makes `pending` clear its area after it is shown, an
/// area grown to cover that pixel, and the next frame draws all of that area anew. `None`
/// when nothing changed: `pending` then stays up `delay` longer.
fn next_frame(pending: &mut Pending, last: &[u8], frame: &[u8], width: usize, delay: u16) -> Option<Pending> {
    let (changed, to_clear) = differences(last, frame, width);
    let Some(changed) = changed else {
        pending.delay = pending.delay.saturating_add(delay);
        return None;
    };
    let cleared = to_clear.map(|area| {
        pending.area = pending.area.union(area);
        pending.clears = true;
        pending.area
    });
    let area = match cleared {
        None => changed,
        Some(cleared) => visible_within(frame, width, cleared).map_or(changed, |v| v.union(changed)),
    };
    Some(Pending { area, cleared, clears: false, delay })
}

/// GIF has one bit of transparency: alpha becomes 0 or 255.
fn one_bit_alpha(mut rgba: Vec<u8>) -> Vec<u8> {
    for pixel in rgba.chunks_exact_mut(4) {
        if let Some(alpha) = pixel.get_mut(3) {
            *alpha = if *alpha < 128 { 0 } else { 255 };
        }
    }
    rgba
}

fn failed(e: gif::EncodingError) -> ProxyError {
    ProxyError::Internal(format!("encode gif: {e}"))
}

/// Where two frames as shown differ, and where a visible pixel turned transparent.
pub(super) fn differences(before: &[u8], after: &[u8], width: usize) -> (Option<Rect>, Option<Rect>) {
    let (mut changed, mut to_clear) = (None, None);
    for (index, (old, new)) in before.chunks_exact(4).zip(after.chunks_exact(4)).enumerate() {
        if old != new {
            let (x, y) = (index % width, index / width);
            Rect::grow(&mut changed, x, y);
            if old.get(3) == Some(&255) && new.get(3) == Some(&0) {
                Rect::grow(&mut to_clear, x, y);
            }
        }
    }
    (changed, to_clear)
}

/// The smallest rectangle holding the visible pixels of `frame` within `area`.
fn visible_within(frame: &[u8], width: usize, area: Rect) -> Option<Rect> {
    let mut visible = None;
    for y in area.top..=area.bottom {
        for x in area.left..=area.right {
            if frame.get((y * width + x) * 4 + 3) == Some(&255) {
                Rect::grow(&mut visible, x, y);
            }
        }
    }
    visible
}
