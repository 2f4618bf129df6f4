//! What `trim` and Cloudflare's `trim.*` options ask to cut off, as types: sides given in
//! pixels or fractions of the image ([`Trim::Sides`]), a window kept from a corner
//! ([`Trim::Window`]), or a uniform border found in the pixels ([`Trim::Border`]). The first
//! two become pixels once the image's size is known ([`Trim::sides`]); a border only once
//! its pixels are (`transform::border`).

use super::values::Rgba;
use crate::error::ProxyError;

/// A length along one axis of the source: whole pixels, or a fraction of its width or height.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// Whole source pixels.
    Pixels(u32),
    /// Ten-thousandths of the image's length along the axis, 1..=9999 (`0.25` is 2500).
    Fraction(u16),
}

impl Length {
    /// Nothing.
    pub const ZERO: Length = Length::Pixels(0);

    /// In pixels, on an axis `length` pixels long; a fraction is rounded to the nearest pixel.
    pub fn of(self, length: u32) -> u32 {
        match self {
            Length::Pixels(pixels) => pixels,
            // At most `length`: the fraction is below 1.
            Length::Fraction(parts) => {
                ((u64::from(length) * u64::from(parts) + 5_000) / 10_000).min(u64::from(length)) as u32
            }
        }
    }
}

/// Pixels as a whole number, a fraction as its shortest decimal (`0.25`): the spellings the
/// parser takes back.
impl std::fmt::Display for Length {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Length::Pixels(pixels) => write!(f, "{pixels}"),
            Length::Fraction(parts) => write!(f, "{}", f64::from(*parts) / 10_000.0),
        }
    }
}

/// What is cut off the source as displayed (after its EXIF orientation, before `rotate`),
/// before anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    /// `trim=top;right;bottom;left`: cut off each side (also `trim.top` and `trim.left` alone).
    Sides {
        /// Rows off the top.
        top: Length,
        /// Columns off the right.
        right: Length,
        /// Rows off the bottom.
        bottom: Length,
        /// Columns off the left.
        left: Length,
    },
    /// `trim.top`, `trim.left`, `trim.width`, `trim.height`: keep the window of this size
    /// whose top-left corner is `left` across and `top` down. At least one of `width` and
    /// `height` is given (without either it is [`Trim::Sides`]); a missing one runs to the edge.
    Window {
        /// Rows off the top.
        top: Length,
        /// Columns off the left.
        left: Length,
        /// Columns kept from `left`.
        width: Option<Length>,
        /// Rows kept from `top`.
        height: Option<Length>,
    },
    /// `trim=border` and `trim.border.*`: a uniform border, found in the pixels.
    Border(BorderTrim),
}

impl Trim {
    /// What this trim cuts off an image of `size` pixels (as displayed), in pixels; `None`
    /// for [`Trim::Border`], which needs the pixels themselves.
    pub fn sides(&self, (width, height): (u32, u32)) -> Option<TrimSides> {
        match *self {
            Trim::Sides { top, right, bottom, left } => Some(TrimSides {
                top: top.of(height),
                right: right.of(width),
                bottom: bottom.of(height),
                left: left.of(width),
            }),
            Trim::Window { top, left, width: kept_width, height: kept_height } => {
                let (top, left) = (top.of(height), left.of(width));
                // A window reaching past the edge stops there.
                let rest = |start: u32, kept: Option<Length>, length: u32| {
                    kept.map_or(0, |kept| length.saturating_sub(start.saturating_add(kept.of(length))))
                };
                Some(TrimSides {
                    top,
                    right: rest(left, kept_width, width),
                    bottom: rest(top, kept_height, height),
                    left,
                })
            }
            Trim::Border(_) => None,
        }
    }
}

/// `trim=border`: the border colour (found when not given), how close a pixel's colour must
/// be to it to count as border, and how much of the border to leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BorderTrim {
    /// `trim.border.color`; `None`: the colour of the top-left pixel.
    pub color: Option<Rgba>,
    /// `trim.border.tolerance`, Cloudflare's scale: 255 must match exactly, 0 matches any
    /// colour; a pixel is border when no channel differs from the border colour by more than
    /// 255 minus this. Default: [`BorderTrim::DEFAULT_TOLERANCE`].
    pub tolerance: u8,
    /// `trim.border.keep`: source pixels of the border left on each side. Default 0.
    pub keep: u32,
}

impl BorderTrim {
    /// The tolerance when none is given: channels within 10 of the border colour, which
    /// takes in JPEG's ringing along a flat border. Cloudflare documents none.
    pub const DEFAULT_TOLERANCE: u8 = 245;
}

impl Default for BorderTrim {
    fn default() -> Self {
        BorderTrim { color: None, tolerance: BorderTrim::DEFAULT_TOLERANCE, keep: 0 }
    }
}

/// Source pixels cut off each edge: a trim worked out for one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrimSides {
    /// Rows cut off the top.
    pub top: u32,
    /// Columns cut off the right.
    pub right: u32,
    /// Rows cut off the bottom.
    pub bottom: u32,
    /// Columns cut off the left.
    pub left: u32,
}

impl TrimSides {
    /// What is left of a `width` × `height` image, or a 400 when nothing is.
    pub fn remaining(&self, (width, height): (u32, u32)) -> Result<(u32, u32), ProxyError> {
        let left_over =
            |length: u32, a: u32, b: u32| length.checked_sub(a)?.checked_sub(b).filter(|l| *l > 0);
        match (left_over(width, self.left, self.right), left_over(height, self.top, self.bottom)) {
            (Some(w), Some(h)) => Ok((w, h)),
            _ => Err(ProxyError::BadOptions(format!(
                "trim cuts {};{};{};{} (top;right;bottom;left) off a {width}x{height} image, which \
                 leaves nothing",
                self.top, self.right, self.bottom, self.left
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_of_the_axis_and_rounded() {
        assert_eq!(Length::Fraction(2500).of(400), 100);
        assert_eq!(Length::Fraction(2500).of(3), 1, "0.75 rounds to 1");
        assert_eq!(Length::Fraction(9999).of(10), 10);
        assert_eq!(Length::Pixels(7).of(3), 7, "pixels are taken as given");
        assert_eq!(Length::Fraction(2500).to_string(), "0.25");
        assert_eq!(Length::Fraction(1).to_string(), "0.0001");
    }

    #[test]
    fn sides_and_windows_become_pixels() {
        let sides = Trim::Sides {
            top: Length::Pixels(10),
            right: Length::Fraction(2500),
            bottom: Length::ZERO,
            left: Length::Fraction(1000),
        };
        assert_eq!(sides.sides((400, 200)), Some(TrimSides { top: 10, right: 100, bottom: 0, left: 40 }));
        let window = Trim::Window {
            top: Length::Pixels(40),
            left: Length::Pixels(30),
            width: Some(Length::Pixels(100)),
            height: None,
        };
        assert_eq!(window.sides((400, 200)), Some(TrimSides { top: 40, right: 270, bottom: 0, left: 30 }));
        let past_the_edge = Trim::Window {
            top: Length::ZERO,
            left: Length::Pixels(350),
            width: Some(Length::Pixels(100)),
            height: Some(Length::Fraction(5000)),
        };
        assert_eq!(
            past_the_edge.sides((400, 200)),
            Some(TrimSides { top: 0, right: 0, bottom: 100, left: 350 })
        );
        assert_eq!(Trim::Border(BorderTrim::default()).sides((400, 200)), None);
    }

    #[test]
    fn a_trim_that_leaves_nothing_is_refused() {
        let all = TrimSides { top: 0, right: 200, bottom: 0, left: 200 };
        assert!(matches!(all.remaining((400, 10)), Err(ProxyError::BadOptions(_))));
        assert_eq!(TrimSides { top: 1, right: 2, bottom: 3, left: 4 }.remaining((10, 10)), Ok((4, 6)));
    }
}
