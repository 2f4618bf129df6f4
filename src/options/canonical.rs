//! [`TransformOptions::canonical`]: the options in one fixed spelling, which the cache key
//! and signatures are made from.

use std::fmt::Write as _;

use super::keys::OptionKey;
use super::trim::{BorderTrim, Length, Trim};
use super::values::{Compression, Fit, Flip, FormatChoice, Gravity, Metadata, OnError, Rgba, Rotation};
use super::TransformOptions;

impl TransformOptions {
    /// The options in one fixed spelling: canonical names, fixed order, defaults left out,
    /// `dpr` folded into the dimensions. Equal options give equal strings.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        let mut push = |key: OptionKey, value: &dyn std::fmt::Display| {
            if !out.is_empty() {
                out.push(',');
            }
            // Writing to a String cannot fail.
            let _ = write!(out, "{}={value}", key.name());
        };
        if let Some(auto) = self.auto_width {
            push(OptionKey::Width, &"auto");
            if let Some(breakpoints) = auto.breakpoints {
                push(OptionKey::WBreakpoints, &breakpoints);
            }
            for (key, width) in [(OptionKey::WMobile, auto.mobile), (OptionKey::WDesktop, auto.desktop)] {
                if let Some(width) = width {
                    push(key, &width);
                }
            }
        } else if let Some(width) = self.width {
            push(OptionKey::Width, &width);
        }
        if let Some(height) = self.height {
            push(OptionKey::Height, &height);
        }
        if self.fit != Fit::default() {
            push(OptionKey::Fit, &self.fit.name());
        }
        if let Some(quality) = self.quality {
            push(OptionKey::Quality, &quality);
        }
        if let Some(quality) = self.slow_connection_quality {
            push(OptionKey::SlowConnectionQuality, &quality);
        }
        if let Some((name, _)) = FormatChoice::NAMES.iter().find(|(_, f)| *f == self.format) {
            push(OptionKey::Format, name);
        }
        if let Some((name, _)) =
            Rotation::NAMES.iter().find(|(_, r)| *r == self.rotate && *r != Rotation::default())
        {
            push(OptionKey::Rotate, name);
        }
        if let Some((name, _)) = Flip::NAMES.iter().find(|(_, f)| *f == self.flip) {
            push(OptionKey::Flip, name);
        }
        if self.gravity != Gravity::default() {
            push(OptionKey::Gravity, &gravity(self.gravity));
        }
        if let Some(background) = self.background {
            push(OptionKey::Background, &hex(background));
        }
        if let Some(blur) = self.blur {
            push(OptionKey::Blur, &blur);
        }
        if let Some(tenths) = self.sharpen {
            push(OptionKey::Sharpen, &(f64::from(tenths) / 10.0));
        }
        for (key, factor) in [
            (OptionKey::Brightness, self.brightness),
            (OptionKey::Contrast, self.contrast),
            (OptionKey::Gamma, self.gamma),
            (OptionKey::Saturation, self.saturation),
        ] {
            if let Some(factor) = factor {
                push(key, &factor);
            }
        }
        if let Some(trim) = self.trim {
            push_trim(trim, &mut push);
        }
        if let Some((name, _)) =
            Metadata::NAMES.iter().find(|(_, m)| *m == self.metadata && *m != Metadata::default())
        {
            push(OptionKey::Metadata, name);
        }
        if !self.anim {
            push(OptionKey::Anim, &false);
        }
        if let Some((name, _)) = Compression::NAMES.iter().find(|(_, c)| *c == self.compression) {
            push(OptionKey::Compression, name);
        }
        if let Some((name, _)) = OnError::NAMES.iter().find(|(_, o)| *o == self.onerror) {
            push(OptionKey::OnError, name);
        }
        out
    }
}

/// `trim` in the spelling it was given in: sides, Cloudflare's window, or `border` with its
/// settings, each left out where it is the default.
fn push_trim(trim: Trim, push: &mut impl FnMut(OptionKey, &dyn std::fmt::Display)) {
    match trim {
        Trim::Sides { top, right, bottom, left } => {
            push(OptionKey::Trim, &format!("{top};{right};{bottom};{left}"));
        }
        Trim::Window { top, left, width, height } => {
            for (key, length) in [
                (OptionKey::TrimTop, Some(top).filter(|l| *l != Length::ZERO)),
                (OptionKey::TrimLeft, Some(left).filter(|l| *l != Length::ZERO)),
                (OptionKey::TrimWidth, width),
                (OptionKey::TrimHeight, height),
            ] {
                if let Some(length) = length {
                    push(key, &length);
                }
            }
        }
        Trim::Border(BorderTrim { color, tolerance, keep }) => {
            push(OptionKey::Trim, &"border");
            if let Some(colour) = color {
                push(OptionKey::TrimBorderColor, &hex(colour));
            }
            if tolerance != BorderTrim::DEFAULT_TOLERANCE {
                push(OptionKey::TrimBorderTolerance, &tolerance);
            }
            if keep != 0 {
                push(OptionKey::TrimBorderKeep, &keep);
            }
        }
    }
}

/// `#rrggbbaa`.
pub(super) fn hex(Rgba([r, g, b, a]): Rgba) -> String {
    format!("#{r:02x}{g:02x}{b:02x}{a:02x}")
}

/// A side's name where the point has one, else `XxY` in fractions.
pub(super) fn gravity(gravity: Gravity) -> String {
    match gravity {
        Gravity::Auto => "auto".into(),
        Gravity::Point { x, y } => match Gravity::SIDES.iter().find(|(_, side)| *side == gravity) {
            Some((name, _)) => (*name).into(),
            None => format!("{}x{}", f64::from(x) / 1000.0, f64::from(y) / 1000.0),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ProxyError;

    fn parse(pairs: &[(&str, &str)]) -> Result<TransformOptions, ProxyError> {
        TransformOptions::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn aliases_give_the_canonical_names() {
        let short = parse(&[("f", "webp"), ("q", "70"), ("h", "100"), ("w", "200")]).expect("valid");
        assert_eq!(short.canonical(), "width=200,height=100,quality=70,format=webp");
    }

    #[test]
    fn width_autos_sub_parameters_have_one_spelling_and_none_without_it() {
        let a =
            parse(&[("wdesktop", "900"), ("wbreakpoints", "600;300;300"), ("w", "auto"), ("wmobile", "500")]);
        let b =
            parse(&[("width", "auto"), ("wmobile", "500"), ("wdesktop", "900"), ("wbreakpoints", "300;600")]);
        assert_eq!(a.expect("valid").canonical(), "width=auto,wbreakpoints=300;600,wmobile=500,wdesktop=900");
        assert_eq!(b.expect("valid").canonical(), "width=auto,wbreakpoints=300;600,wmobile=500,wdesktop=900");
        let alone = parse(&[("wbreakpoints", "300;600"), ("wmobile", "500"), ("h", "10")]);
        assert_eq!(alone.expect("valid").canonical(), "height=10");
    }

    #[test]
    fn defaults_are_left_out_of_the_canonical_form() {
        let options = parse(&[("fit", "scale-down"), ("w", "10")]).expect("valid");
        assert_eq!(options.canonical(), "width=10");
        assert_eq!(TransformOptions::default().canonical(), "");
        assert_eq!(parse(&[("g", "center")]).expect("valid").canonical(), "", "the default");
        assert_eq!(parse(&[("sharpen", "0")]).expect("valid").canonical(), "", "no sharpening");
        assert_eq!(parse(&[("metadata", "copyright")]).expect("valid").canonical(), "");
    }

    #[test]
    fn gravity_background_blur_and_sharpen_have_one_spelling() {
        let a =
            parse(&[("g", "left"), ("background", "red"), ("blur", "5"), ("sharpen", "1.5")]).expect("valid");
        let b = parse(&[("gravity", "0x0.5"), ("background", "#f00"), ("blur", "5"), ("sharpen", "1.50")])
            .expect("valid");
        assert_eq!(a.canonical(), b.canonical());
        assert_eq!(a.canonical(), "gravity=left,background=#ff0000ff,blur=5,sharpen=1.5");
        assert_eq!(parse(&[("g", "0.25x0.8")]).expect("valid").canonical(), "gravity=0.25x0.8");
    }

    #[test]
    fn a_quality_level_and_its_number_have_one_spelling() {
        let word = parse(&[("quality", "medium-low"), ("scq", "low")]).expect("valid");
        let number = parse(&[("scq", "50"), ("q", "65")]).expect("valid");
        assert_eq!(word.canonical(), number.canonical());
        assert_eq!(word.canonical(), "quality=65,slow-connection-quality=50");
    }

    #[test]
    fn colour_adjustments_have_one_spelling_and_unchanged_ones_none() {
        let a = parse(&[("saturation", "0"), ("brightness", "1.50"), ("gamma", "2")]).expect("valid");
        let b = parse(&[("gamma", "2.0"), ("brightness", "1.5"), ("saturation", "0.000")]).expect("valid");
        assert_eq!(a.canonical(), b.canonical());
        assert_eq!(a.canonical(), "brightness=1.5,gamma=2,saturation=0");
        let unchanged =
            parse(&[("brightness", "1"), ("contrast", "0"), ("gamma", "1.0"), ("saturation", "1")]);
        assert_eq!(unchanged.expect("valid").canonical(), "", "the same entry as no adjustment");
    }

    #[test]
    fn every_spelling_of_a_trim_has_one_canonical_form() {
        let canonical = |pairs: &[(&str, &str)]| parse(pairs).expect("valid").canonical();
        assert_eq!(canonical(&[("trim.top", "10"), ("trim.left", "0.25")]), "trim=10;0;0;0.25");
        assert_eq!(canonical(&[("trim", "10;0.0;0;0.2500")]), "trim=10;0;0;0.25");
        assert_eq!(
            canonical(&[("trim.width", "678"), ("trim.top", "40"), ("trim.left", "0")]),
            "trim.top=40,trim.width=678"
        );
        assert_eq!(canonical(&[("trim.border.tolerance", "245")]), "trim=border", "the default tolerance");
        assert_eq!(
            canonical(&[("trim.border.keep", "2"), ("trim.border.color", "white"), ("trim", "border")]),
            "trim=border,trim.border.color=#ffffffff,trim.border.keep=2"
        );
    }

    #[test]
    fn every_named_value_is_written_by_its_name() {
        for (name, _) in Rotation::NAMES.iter().skip(1) {
            assert_eq!(parse(&[("rotate", name)]).expect("valid").canonical(), format!("rotate={name}"));
        }
        assert_eq!(parse(&[("rotate", "0")]).expect("valid").canonical(), "", "no rotation");
        assert_eq!(parse(&[("blur", "0"), ("upscale", "interpolate")]).expect("valid").canonical(), "");
        for (name, _) in Flip::NAMES {
            assert_eq!(parse(&[("flip", name)]).expect("valid").canonical(), format!("flip={name}"));
        }
        for (name, _) in FormatChoice::NAMES {
            assert_eq!(parse(&[("format", name)]).expect("valid").canonical(), format!("format={name}"));
        }
        let others =
            parse(&[("trim", "1;2;3;4"), ("metadata", "keep"), ("anim", "false"), ("onerror", "redirect")]);
        assert_eq!(
            others.expect("valid").canonical(),
            "trim=1;2;3;4,metadata=keep,anim=false,onerror=redirect"
        );
    }
}
