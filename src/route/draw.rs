//! `draw=<source>;<field>=<value>;…`: an overlay asked for in the URL, in either form and as
//! often as [`MAX_DRAWS`]. The source comes first, a path (`/logo.png`) or an `http(s)://`
//! URL, and ends at the first `;` (a `;` or `,` in the source itself is percent-encoded
//! twice, `%253B`, `%252C`, as it is decoded once with the option and kept escaped in the
//! source); the fields are [`Placement`]'s. In `/cdn-cgi/image/`, whose options end at the
//! first `/`, the value's slashes are written `%2F`.

use super::source::Source;
use crate::error::ProxyError;
use crate::options::{Placement, MAX_DRAWS};

/// One overlay: where it comes from and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draw {
    /// The overlay's source, admitted by the same gate as the image's.
    pub source: Source,
    /// Where and how it is drawn.
    pub place: Placement,
}

impl Draw {
    /// A `draw` option's value.
    pub fn parse(value: &str) -> Result<Draw, ProxyError> {
        let mut parts = value.split(';');
        let source = parts.next().unwrap_or("");
        let named = ["/", "http://", "https://"].iter().any(|start| source.starts_with(start));
        if !named {
            return Err(ProxyError::BadOptions(format!(
                "draw must name its source first, a path or an http(s) URL (draw=/logo.png;…), not {source:?}"
            )));
        }
        Ok(Draw { source: Source::parse(source)?, place: Placement::from_fields(parts)? })
    }

    /// `draw=<canonical source>;<canonical fields>`, the source's `;` and `,` escaped so that
    /// no two draws share a spelling.
    pub fn canonical(&self) -> String {
        let source = self.source.canonical().replace(';', "%3B").replace(',', "%2C");
        format!("draw={source}{}", self.place.canonical())
    }
}

/// Every `draw` among `pairs`, in the order given (later ones are drawn over earlier ones).
pub(super) fn draws(pairs: &[(String, String)]) -> Result<Vec<Draw>, ProxyError> {
    let draws: Vec<Draw> = pairs
        .iter()
        .filter(|(key, _)| key == "draw")
        .map(|(_, value)| Draw::parse(value))
        .collect::<Result<_, _>>()?;
    if draws.len() > MAX_DRAWS {
        return Err(ProxyError::BadOptions(format!(
            "at most {MAX_DRAWS} overlays may be drawn, not {}",
            draws.len()
        )));
    }
    Ok(draws)
}

/// The watermark the configuration draws on every transformed image (`WATERMARK_*`), over
/// whatever the URL draws. No URL can remove it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    /// `WATERMARK_SOURCE`, admitted by the same gate as any source.
    pub source: Source,
    /// `WATERMARK_OPACITY`, `WATERMARK_GRAVITY`, `WATERMARK_MARGIN`, `WATERMARK_WIDTH`.
    pub place: Placement,
    /// `WATERMARK_MIN_WIDTH`: outputs narrower than this are left clean.
    pub min_width: u32,
    /// `WATERMARK_UNTOUCHED=transform`: a source that needs nothing else is transformed to
    /// carry the watermark rather than served as it is.
    pub on_untouched: bool,
}

impl Watermark {
    /// Its settings in one spelling, for the cache key: a changed watermark never serves an
    /// answer made with the old one.
    pub fn canonical(&self) -> String {
        let draw = Draw { source: self.source.clone(), place: self.place }.canonical();
        format!("watermark:{draw};min-width={};untouched={}", self.min_width, self.on_untouched)
    }
}

/// The draws and then the watermark, in their canonical spellings, comma-separated: what the
/// cache key adds to the options. Empty when nothing is drawn.
pub fn drawn(draws: &[Draw], watermark: Option<&Watermark>) -> String {
    let draws = draws.iter().map(Draw::canonical);
    draws.chain(watermark.map(Watermark::canonical)).collect::<Vec<_>>().join(",")
}

/// The options' canonical spelling with `drawn` after it (nothing added when it is empty):
/// what signatures and cache keys are made of.
pub fn with_drawn(options: String, drawn: &str) -> String {
    match (options.is_empty(), drawn.is_empty()) {
        (_, true) => options,
        (true, false) => drawn.to_string(),
        (false, false) => format!("{options},{drawn}"),
    }
}
