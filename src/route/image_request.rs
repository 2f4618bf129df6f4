//! The two URL forms of an image request, parsed into one [`ImageRequest`]:
//!
//! - `/cdn-cgi/image/<options>/<source>`: Cloudflare's form, options comma-separated
//!   (commas inside a colour function's parentheses stay), each key and value
//!   percent-decoded; the source keeps the request's query string.
//! - `/image?url=<source>&<options>`: the same options as query parameters.
//!
//! In both, the URL's own signature parameters (`s` or `sig`, `expires`) are taken out into
//! [`Signed`] before the rest is parsed as image options.

use percent_encoding::percent_decode_str;

use super::draw::{draws, Draw};
use super::source::Source;
use crate::error::ProxyError;
use crate::options::TransformOptions;

/// An image request: what to fetch and what to do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRequest {
    /// Where the image comes from.
    pub source: Source,
    /// What to do with it.
    pub options: TransformOptions,
    /// The overlays drawn on it (`draw`), in order.
    pub draws: Vec<Draw>,
    /// The signature and expiry the URL carries (`s=`, `expires=`), checked by
    /// [`crate::security::check_request`].
    pub signed: Signed,
    /// The `dpr` asked for, in thousandths (1000 when not given). It is already folded into
    /// the options' dimensions; it is kept so that `MAX_DPR` can be checked.
    pub dpr_thousandths: u16,
}

/// The URL's own signature parameters, kept apart from the image options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signed {
    /// `s` (alias `sig`): base64url HMAC-SHA256 of the canonical request.
    pub signature: Option<String>,
    /// `expires`: Unix time in seconds after which the URL is refused.
    pub expires: Option<u64>,
}

impl Signed {
    /// Takes `s`/`sig` and `expires` out of `pairs`, leaving the image options.
    fn split_from(pairs: Vec<(String, String)>) -> Result<(Signed, Vec<(String, String)>), ProxyError> {
        let mut signed = Signed::default();
        let mut rest = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            match key.as_str() {
                "s" | "sig" if signed.signature.is_none() => signed.signature = Some(value),
                "expires" if signed.expires.is_none() => {
                    let at = value.parse().map_err(|_| {
                        ProxyError::BadOptions(format!(
                            "expires must be a Unix time in seconds, not {value:?}"
                        ))
                    })?;
                    signed.expires = Some(at);
                }
                "s" | "sig" | "expires" => {
                    return Err(ProxyError::BadOptions(format!("option {key:?} is given twice")));
                }
                _ => rest.push((key, value)),
            }
        }
        Ok((signed, rest))
    }
}

/// `<options>/<source>`, what follows `/cdn-cgi/image/`; the source keeps the request's
/// query string.
pub(super) fn cdn_cgi(rest: &str, query: Option<&str>) -> Result<ImageRequest, ProxyError> {
    let Some((options, source)) = rest.split_once('/') else {
        return Err(ProxyError::BadSource("expected /cdn-cgi/image/<options>/<source>".into()));
    };
    let decoded: Vec<(String, String)> = split_options(options)
        .into_iter()
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect();
    let (signed, decoded) = Signed::split_from(decoded)?;
    let options = TransformOptions::from_pairs(decoded.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let source = match query {
        Some(query) => format!("{source}?{query}"),
        None => source.to_string(),
    };
    let dpr_thousandths = dpr_thousandths(&decoded);
    let draws = draws(&decoded)?;
    Ok(ImageRequest { source: Source::parse(&source)?, options, draws, signed, dpr_thousandths })
}

/// Splits `a=1,b=rgb(1,2,3)` at the commas that are not inside parentheses, so CSS colour
/// functions keep theirs.
fn split_options(options: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (index, c) in options.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(options.get(start..index).unwrap_or(""));
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(options.get(start..).unwrap_or(""));
    parts
}

/// A key or value of the `/cdn-cgi/image/` form, percent-decoded.
fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// `url=<source>&<options>`, the query string of `/image`.
pub(super) fn query_form(query: &str) -> Result<ImageRequest, ProxyError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let mut sources = pairs.iter().filter(|(key, _)| key == "url");
    let source = match (sources.next(), sources.next()) {
        (Some((_, source)), None) => Source::parse(source)?,
        (None, _) => return Err(ProxyError::BadSource("the url parameter is missing".into())),
        (Some(_), Some(_)) => return Err(ProxyError::BadSource("the url parameter is given twice".into())),
    };
    let (signed, pairs) = Signed::split_from(pairs.into_iter().filter(|(key, _)| key != "url").collect())?;
    let options = TransformOptions::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let draws = draws(&pairs)?;
    Ok(ImageRequest { source, options, draws, signed, dpr_thousandths: dpr_thousandths(&pairs) })
}

/// The `dpr` among already validated pairs, in thousandths.
fn dpr_thousandths(pairs: &[(String, String)]) -> u16 {
    let dpr = pairs.iter().find(|(key, _)| key == "dpr").and_then(|(_, value)| value.parse::<f64>().ok());
    // The parser accepted it, so it lies in 1..=4 and the product in 1000..=4000.
    dpr.map_or(1000, |dpr| (dpr * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{route, Route};

    fn image(path: &str, query: Option<&str>) -> ImageRequest {
        match route(path, query) {
            Ok(Route::Image(request)) => request,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn both_forms_give_the_same_request() {
        let a = image("/cdn-cgi/image/width=200,fit=cover/samples/cat.jpg", None);
        let b = image("/image", Some("url=/samples/cat.jpg&w=200&fit=cover"));
        assert_eq!(a, b);
        assert_eq!(a.source, Source::Relative("/samples/cat.jpg".into()));
        assert_eq!(a.options.width, Some(200));
    }

    #[test]
    fn absolute_sources_keep_their_query() {
        let r = image("/cdn-cgi/image/w=10/https://img.example.com/a.jpg", Some("v=3&x=y"));
        assert_eq!(r.source.canonical(), "https://img.example.com/a.jpg?v=3&x=y");
        let escaped = route("/cdn-cgi/image/w=1/https://img.example.com/%61%2d%2f%c3%a9.jpg", None).unwrap();
        let Route::Image(escaped) = escaped else { panic!("image") };
        assert_eq!(escaped.source.canonical(), "https://img.example.com/a-%2F%C3%A9.jpg");
        let merged = image("/cdn-cgi/image/w=10/https:/img.example.com/a.jpg", None);
        assert_eq!(merged.source.canonical(), "https://img.example.com/a.jpg");
        let q = image("/image", Some("url=https%3A%2F%2Fimg.example.com%2Fa.jpg%3Fv%3D1&w=5"));
        assert_eq!(q.source.canonical(), "https://img.example.com/a.jpg?v=1");
    }

    #[test]
    fn signature_parameters_are_not_image_options() {
        let a = image("/cdn-cgi/image/s=abc,width=200,expires=1700000000/a.jpg", None);
        let b = image("/image", Some("url=/a.jpg&w=200&sig=abc&expires=1700000000"));
        assert_eq!(a, b);
        assert_eq!(a.signed, Signed { signature: Some("abc".into()), expires: Some(1_700_000_000) });
        assert_eq!(a.options.canonical(), "width=200");
        assert!(matches!(route("/cdn-cgi/image/s=a,s=b/a.jpg", None), Err(ProxyError::BadOptions(_))));
        assert!(matches!(route("/cdn-cgi/image/expires=soon/a.jpg", None), Err(ProxyError::BadOptions(_))));
    }

    #[test]
    fn the_asked_dpr_is_kept_for_the_limit_check() {
        assert_eq!(image("/cdn-cgi/image/w=10,dpr=2.5/a.jpg", None).dpr_thousandths, 2500);
        assert_eq!(image("/image", Some("url=/a.jpg&w=10&dpr=1.25")).dpr_thousandths, 1250);
        assert_eq!(image("/cdn-cgi/image/w=10/a.jpg", None).dpr_thousandths, 1000);
    }

    #[test]
    fn colour_functions_keep_their_commas() {
        let request = image("/cdn-cgi/image/background=rgba(0,0,255,0.5),fit=pad,w=10,h=10/a.png", None);
        assert_eq!(request.options.background, Some(crate::options::Rgba([0, 0, 255, 128])));
        assert_eq!(request.options.width, Some(10));
        let hex = image("/cdn-cgi/image/background=%23ff0000,w=10/a.png", None);
        assert_eq!(hex.options.background, Some(crate::options::Rgba([255, 0, 0, 255])));
    }

    #[test]
    fn malformed_image_requests_are_refused() {
        assert!(matches!(route("/image", Some("w=1")), Err(ProxyError::BadSource(_))));
        assert!(matches!(route("/cdn-cgi/image/w=1", None), Err(ProxyError::BadSource(_))));
        assert!(matches!(route("/cdn-cgi/image/w=x/a.jpg", None), Err(ProxyError::BadOptions(_))));
        assert!(matches!(route("/image", Some("url=/a.jpg&url=/b.jpg")), Err(ProxyError::BadSource(_))));
    }
}
