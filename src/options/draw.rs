//! `draw`: where and how an overlay goes on the output, Cloudflare's `cf.image.draw` fields
//! given a URL spelling. A `draw` value is `<source>;<field>=<value>;…`; the source is the
//! route's to parse (`crate::route`), the fields become a [`Placement`] here. The configured
//! watermark (`WATERMARK_*`) is a `Placement` too, built by `crate::config`.

use std::fmt::Write as _;

use super::parse::{colour_value, gravity_value};
use super::values::{Fit, Gravity, Rgba, Rotation};
use crate::error::ProxyError;

/// The most overlays one request may draw: each is a fetch, a decode and a composite.
pub const MAX_DRAWS: usize = 4;

/// Where one overlay goes and how it looks. Every field's default is what Cloudflare's
/// `draw` does when the field is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// `opacity` in thousandths, 0..=1000. Default: 1000 (opaque).
    pub opacity: u16,
    /// `repeat`. Default: [`Repeat::No`].
    pub repeat: Repeat,
    /// `top`/`left`/`bottom`/`right`, or `gravity` with `margin`. Default: centred.
    pub anchor: Anchor,
    /// `width` of the overlay. Default: its own width (or from `height`).
    pub width: Option<Size>,
    /// `height` of the overlay. Default: its own height (or from `width`).
    pub height: Option<Size>,
    /// `fit` of the overlay in `width`×`height`. Default: [`Fit::ScaleDown`].
    pub fit: Fit,
    /// `background` under the overlay's transparent pixels. Default: none.
    pub background: Option<Rgba>,
    /// `rotate` of the overlay, before it is sized. Default: none.
    pub rotate: Rotation,
}

impl Default for Placement {
    fn default() -> Self {
        Placement {
            opacity: 1000,
            repeat: Repeat::No,
            anchor: Anchor::Gravity { gravity: Gravity::CENTER, margin: 0 },
            width: None,
            height: None,
            fit: Fit::default(),
            background: None,
            rotate: Rotation::None,
        }
    }
}

/// Whether an overlay is tiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Drawn once.
    No,
    /// `true`: tiled across the whole output.
    Both,
    /// `x`: tiled along its row.
    X,
    /// `y`: tiled along its column.
    Y,
}

impl Repeat {
    const NAMES: [(&'static str, Repeat); 3] = [("true", Repeat::Both), ("x", Repeat::X), ("y", Repeat::Y)];
}

/// Where an overlay sits on the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Pixels from the output's edges, as Cloudflare's `top`, `left`, `bottom`, `right`: at
    /// most one of each pair; an axis with neither is centred.
    Edges {
        /// `top`.
        top: Option<u32>,
        /// `left`.
        left: Option<u32>,
        /// `bottom`.
        bottom: Option<u32>,
        /// `right`.
        right: Option<u32>,
    },
    /// A point of the output the overlay's same point sits on (`1x1`: its bottom-right
    /// corner on the output's), `margin` pixels inside the edges.
    Gravity {
        /// Never [`Gravity::Auto`].
        gravity: Gravity,
        /// Pixels kept clear along every edge.
        margin: u32,
    },
}

/// A length of the overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// Pixels.
    Pixels(u32),
    /// Ten-thousandths of the output's width (the configured watermark's `WATERMARK_WIDTH`).
    OfOutputWidth(u16),
}

impl Size {
    /// The length in pixels on an output `output_width` wide, at least 1.
    pub fn pixels(self, output_width: u32) -> u32 {
        match self {
            Size::Pixels(pixels) => pixels,
            Size::OfOutputWidth(part) => {
                let pixels = u64::from(output_width) * u64::from(part) / 10_000;
                u32::try_from(pixels).unwrap_or(u32::MAX).max(1)
            }
        }
    }
}

/// The largest overlay `width`, `height` and offset: the parser's ceiling for any length.
const MAX_LENGTH: u32 = super::MAX_DIMENSION;

impl Placement {
    /// The fields of a `draw` value after its source (`opacity=0.5`, `bottom=10`, …).
    pub fn from_fields<'a>(fields: impl IntoIterator<Item = &'a str>) -> Result<Placement, ProxyError> {
        let mut place = Placement::default();
        let (mut edges, mut gravity, mut margin) = ([None; 4], None, None);
        let mut seen: Vec<&str> = Vec::new();
        for field in fields.into_iter().filter(|field| !field.is_empty()) {
            let (name, value) = field.split_once('=').unwrap_or((field, ""));
            if seen.contains(&name) {
                return Err(bad(format!("draw's {name:?} is given twice")));
            }
            seen.push(name);
            match name {
                "opacity" => place.opacity = opacity(value)?,
                "repeat" => place.repeat = named(name, value, &Repeat::NAMES)?,
                "top" => edges[0] = Some(length(name, value)?),
                "left" => edges[1] = Some(length(name, value)?),
                "bottom" => edges[2] = Some(length(name, value)?),
                "right" => edges[3] = Some(length(name, value)?),
                "gravity" => gravity = Some(overlay_gravity(value)?),
                "margin" => margin = Some(length(name, value)?),
                "width" => place.width = Some(Size::Pixels(length(name, value)?.max(1))),
                "height" => place.height = Some(Size::Pixels(length(name, value)?.max(1))),
                "fit" => place.fit = named(name, value, &Fit::NAMES)?,
                "background" => place.background = Some(colour_value("draw's background", value)?),
                "rotate" => place.rotate = named(name, value, &Rotation::NAMES)?,
                _ => return Err(bad(format!("draw has no field {name:?}"))),
            }
        }
        place.anchor = anchor(edges, gravity, margin)?;
        Ok(place)
    }

    /// The fields in one fixed spelling and order, defaults left out: `opacity=0.5;right=10`.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        let mut push = |name: &str, value: &dyn std::fmt::Display| {
            // Writing to a String cannot fail.
            let _ = write!(out, ";{name}={value}");
        };
        if self.opacity != 1000 {
            push("opacity", &(f64::from(self.opacity) / 1000.0));
        }
        if let Some((name, _)) = Repeat::NAMES.iter().find(|(_, r)| *r == self.repeat) {
            push("repeat", name);
        }
        match self.anchor {
            Anchor::Edges { top, left, bottom, right } => {
                for (name, edge) in [("top", top), ("left", left), ("bottom", bottom), ("right", right)] {
                    if let Some(pixels) = edge {
                        push(name, &pixels);
                    }
                }
            }
            Anchor::Gravity { gravity, margin } => {
                if gravity != Gravity::CENTER {
                    push("gravity", &super::canonical::gravity(gravity));
                }
                if margin > 0 {
                    push("margin", &margin);
                }
            }
        }
        for (name, size) in [("width", self.width), ("height", self.height)] {
            match size {
                Some(Size::Pixels(pixels)) => push(name, &pixels),
                Some(Size::OfOutputWidth(part)) => push(name, &format!("{}w", f64::from(part) / 10_000.0)),
                None => {}
            }
        }
        if self.fit != Fit::default() {
            push("fit", &self.fit.name());
        }
        if let Some(background) = self.background {
            push("background", &super::canonical::hex(background));
        }
        if let Some((name, _)) =
            Rotation::NAMES.iter().find(|(_, r)| *r == self.rotate && *r != Rotation::None)
        {
            push("rotate", name);
        }
        out
    }
}

fn bad(why: String) -> ProxyError {
    ProxyError::BadOptions(why)
}

/// `opacity`: 0 to 1, in thousandths.
fn opacity(value: &str) -> Result<u16, ProxyError> {
    match value.parse::<f64>() {
        // In 0..=1000 after the range check.
        Ok(o) if (0.0..=1.0).contains(&o) => Ok((o * 1000.0).round() as u16),
        _ => Err(bad(format!("draw's opacity must be a number from 0 to 1, not {value:?}"))),
    }
}

/// A length in pixels, 0..=[`MAX_LENGTH`].
fn length(name: &str, value: &str) -> Result<u32, ProxyError> {
    match value.parse::<u32>() {
        Ok(n) if n <= MAX_LENGTH => Ok(n),
        _ => Err(bad(format!("draw's {name} must be a whole number from 0 to {MAX_LENGTH}, not {value:?}"))),
    }
}

/// One of the words in `names`.
fn named<T: Copy>(name: &str, value: &str, names: &[(&str, T)]) -> Result<T, ProxyError> {
    names.iter().find(|(word, _)| *word == value).map(|(_, v)| *v).ok_or_else(|| {
        let allowed: Vec<&str> = names.iter().map(|(word, _)| *word).collect();
        bad(format!("draw's {name} must be one of {}, not {value:?}", allowed.join(", ")))
    })
}

/// A gravity an overlay can sit at: a side or a point, not `auto` (`draw`'s `gravity`, and
/// `WATERMARK_GRAVITY`).
pub fn overlay_gravity(value: &str) -> Result<Gravity, ProxyError> {
    match gravity_value(value) {
        Ok(Gravity::Auto) | Err(_) => Err(bad(format!(
            "an overlay's gravity must be center, left, right, top, bottom or XxY with X and Y \
             from 0 to 1 (1x1: the bottom-right corner), not {value:?}"
        ))),
        point => point,
    }
}

/// Edges in pixels, or a gravity with a margin; never both, nor two opposite edges.
fn anchor(
    edges: [Option<u32>; 4],
    gravity: Option<Gravity>,
    margin: Option<u32>,
) -> Result<Anchor, ProxyError> {
    let [top, left, bottom, right] = edges;
    if top.is_some() && bottom.is_some() || left.is_some() && right.is_some() {
        return Err(bad("draw takes at most one of top and bottom, and one of left and right".into()));
    }
    let any_edge = edges.iter().any(Option::is_some);
    match (any_edge, gravity) {
        (true, Some(_)) => Err(bad("draw takes top/left/bottom/right or gravity, not both".into())),
        (true, None) if margin.is_some() => {
            Err(bad("draw's margin goes with gravity, not with edges".into()))
        }
        (true, None) => Ok(Anchor::Edges { top, left, bottom, right }),
        (false, gravity) => {
            Ok(Anchor::Gravity { gravity: gravity.unwrap_or(Gravity::CENTER), margin: margin.unwrap_or(0) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(fields: &str) -> Result<Placement, ProxyError> {
        Placement::from_fields(fields.split(';'))
    }

    #[test]
    fn every_field_is_read_and_written_back_in_one_order() {
        let a =
            place("right=10;opacity=0.50;bottom=5;width=100;fit=contain;rotate=90;repeat=x").expect("valid");
        assert_eq!(a.opacity, 500);
        assert_eq!(a.anchor, Anchor::Edges { top: None, left: None, bottom: Some(5), right: Some(10) });
        assert_eq!(a.canonical(), ";opacity=0.5;repeat=x;bottom=5;right=10;width=100;fit=contain;rotate=90");
        let b = place("gravity=1x1;margin=8;background=red").expect("valid");
        assert_eq!(b.anchor, Anchor::Gravity { gravity: Gravity::Point { x: 1000, y: 1000 }, margin: 8 });
        assert_eq!(b.canonical(), ";gravity=1x1;margin=8;background=#ff0000ff");
        assert_eq!(place("opacity=1;gravity=center;rotate=0").expect("valid").canonical(), "");
    }

    #[test]
    fn contradictions_and_bad_values_are_refused() {
        for fields in [
            "top=1;bottom=1",
            "left=1;right=2",
            "top=1;gravity=left",
            "left=1;margin=2",
            "opacity=1.5",
            "repeat=yes",
            "gravity=auto",
            "width=-1",
            "colour=red",
            "opacity=1;opacity=0.5",
        ] {
            assert!(matches!(place(fields), Err(ProxyError::BadOptions(_))), "{fields}");
        }
    }

    #[test]
    fn a_fraction_of_the_output_width_follows_the_output() {
        assert_eq!(Size::OfOutputWidth(2500).pixels(720), 180);
        assert_eq!(Size::OfOutputWidth(1).pixels(10), 1, "never nothing");
        assert_eq!(Size::Pixels(40).pixels(720), 40);
    }
}
