//! What one image request needs to know about itself, worked out once when it arrives: the
//! options its client hints settle, the format as far as it can be settled before the source
//! is seen, the cache keys, and the client's conditions.

use crate::cache_key::{large_source_path, overlay_path, CacheKey};
use crate::error::ProxyError;
use crate::etag::{derived_etag, etag_matches, Validators};
use crate::hints::{resolve, Hints};
use crate::negotiate::FormatRequest;
use crate::options::{OnError, TransformOptions};
use crate::plan::must_transform;
use crate::route::{drawn, ImageRequest, Source, Watermark};
use crate::security::Policy;

/// The request headers an image request reads.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// `Accept`.
    pub accept: Option<&'a str>,
    /// `If-None-Match`.
    pub if_none_match: Option<&'a str>,
    /// `Range`.
    pub range: Option<&'a str>,
    /// The client hints (`crate::hints::HINT_HEADERS`).
    pub hints: &'a Hints,
}

/// What a request without hint headers sends.
static NO_HINTS: Hints = Hints::NONE;

impl Default for Asked<'_> {
    fn default() -> Self {
        Asked { accept: None, if_none_match: None, range: None, hints: &NO_HINTS }
    }
}

/// One image request, worked out.
#[derive(Debug, Clone)]
pub struct Job {
    /// The source and options the URL asks for, as signed and admitted.
    pub image: ImageRequest,
    /// The options the answer is made and keyed by: the URL's, with what the client hints
    /// settle (`width=auto`, `slow-connection-quality`) in place.
    pub options: TransformOptions,
    /// The hint headers those options were settled with, present or not: the answer varies
    /// on them.
    pub hints_read: Vec<&'static str>,
    /// The output format as far as the options and `Accept` settle it.
    pub format: FormatRequest,
    /// The client's `If-None-Match`.
    pub if_none_match: Option<String>,
    /// The client's byte `Range`, forwarded to the origin for a pass-through. A description
    /// (`format=json`) is always whole, so it has none.
    pub range: Option<String>,
    /// Signed without expiry: the URL names one answer for good, sent `immutable`.
    pub immutable: bool,
    /// What the answer is: source, canonical options, format class, engine version.
    pub key: CacheKey,
    /// The Cache API URL of the answer.
    pub key_url: String,
    /// The Cache API URL of the mark saying the source is too large to transform.
    pub large_mark: String,
    /// The configured watermark, drawn on every transformed answer (and keyed with it).
    pub watermark: Option<Watermark>,
    /// The Cache API URLs of the overlays' bytes: the draws' in order, then the watermark's.
    pub overlay_urls: Vec<String>,
}

/// The overlays' sources: the draws' in order, then the watermark's.
fn overlay_sources<'a>(
    image: &'a ImageRequest,
    watermark: Option<&'a Watermark>,
) -> impl Iterator<Item = &'a Source> {
    image.draws.iter().map(|draw| &draw.source).chain(watermark.map(|watermark| &watermark.source))
}

impl Job {
    /// Works out `image` as asked with `asked`, its hints within `policy`'s sizes; Cache API
    /// URLs go under `origin`, the Worker's own (`https://host`).
    pub fn new(image: ImageRequest, asked: Asked, policy: &Policy, origin: &str) -> Job {
        let resolved = resolve(&image.options, asked.hints, policy);
        let format = FormatRequest::new(&resolved.options, asked.accept);
        let drawn = drawn(&image.draws, policy.watermark.as_ref());
        let key = CacheKey::new(&image.source, &resolved.options, &drawn, format, policy.cpu_budget_ms);
        let overlay_urls = overlay_sources(&image, policy.watermark.as_ref())
            .map(|source| format!("{origin}{}", overlay_path(source)))
            .collect();
        Job {
            options: resolved.options,
            hints_read: resolved.read,
            key_url: format!("{origin}{}", key.path()),
            large_mark: format!("{origin}{}", large_source_path(&image.source)),
            key,
            if_none_match: asked.if_none_match.map(String::from),
            range: asked
                .range
                .filter(|range| range.trim_start().starts_with("bytes=") && format != FormatRequest::Json)
                .map(String::from),
            immutable: image.signed.signature.is_some() && image.signed.expires.is_none(),
            format,
            image,
            watermark: policy.watermark.clone(),
            overlay_urls,
        }
    }

    /// The answer's `ETag` for the source version its validators name, known before the
    /// body is read; `None` when they name no version.
    pub fn etag_for(&self, validators: &Validators) -> Option<String> {
        validators.version().map(|version| derived_etag(&self.key, &version))
    }

    /// Whether the client's `If-None-Match` names `etag`.
    pub fn client_has(&self, etag: &str) -> bool {
        self.if_none_match.as_deref().is_some_and(|header| etag_matches(header, etag))
    }

    /// Whether the source's own bytes would be a wrong answer (see [`must_transform`]): also
    /// when anything is drawn on it, or a watermark is configured, so that no shortage of
    /// memory or CPU serves a read source without the overlays it must carry.
    pub fn must_transform(&self) -> bool {
        must_transform(&self.options) || !self.image.draws.is_empty() || self.watermark.is_some()
    }

    /// Whether a source that needs nothing else is transformed all the same, for an output
    /// `canvas` large: to draw the URL's overlays, or the watermark when
    /// `WATERMARK_UNTOUCHED=transform` and the output is wide enough to carry it.
    pub fn draws_on_untouched(&self, canvas: (u32, u32)) -> bool {
        let watermark = self.watermark.as_ref();
        !self.image.draws.is_empty() || watermark.is_some_and(|w| w.on_untouched && canvas.0 >= w.min_width)
    }

    /// The request headers the answer depends on (`Vary`): `Accept` where it chose the
    /// format, and the client hints read.
    pub fn vary(&self) -> Vec<&'static str> {
        let accept = self.format.varies_on_accept().then_some("Accept");
        accept.into_iter().chain(self.hints_read.iter().copied()).collect()
    }

    /// Whether `err` is answered with a redirect to the source (`onerror=redirect`): only a
    /// failure of a source the gate allowed ([`ProxyError::may_redirect`]), and never with a
    /// watermark configured, which the source's own address would not carry.
    pub fn redirects(&self, err: &ProxyError) -> bool {
        self.image.options.onerror == OnError::Redirect && err.may_redirect() && self.watermark.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{route, Route};

    fn job(path: &str, asked: Asked) -> Job {
        let (path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
        match route(path, query) {
            Ok(Route::Image(image)) => Job::new(image, asked, &Policy::default(), "https://proxy.example"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn cache_urls_live_under_the_workers_origin_and_differ_by_format_class() {
        let plain = job("/cdn-cgi/image/width=100/a.jpg", Asked::default());
        assert!(
            plain.key_url.starts_with("https://proxy.example/.edge-image-proxy/cache/"),
            "{}",
            plain.key_url
        );
        assert!(plain.large_mark.starts_with("https://proxy.example/.edge-image-proxy/large/"));
        let webp = Asked { accept: Some("image/webp,*/*"), ..Asked::default() };
        let auto = job("/cdn-cgi/image/width=100,format=auto/a.jpg", Asked::default());
        let auto_webp = job("/cdn-cgi/image/width=100,format=auto/a.jpg", webp);
        assert_ne!(auto.key_url, auto_webp.key_url);
        assert_eq!(auto.large_mark, auto_webp.large_mark, "one mark per source");
    }

    #[test]
    fn only_byte_ranges_of_images_are_kept() {
        let ranged =
            |path: &str, range: &str| job(path, Asked { range: Some(range), ..Asked::default() }).range;
        assert_eq!(ranged("/cdn-cgi/image/width=100/a.jpg", "bytes=0-99"), Some("bytes=0-99".into()));
        assert_eq!(ranged("/cdn-cgi/image/width=100/a.jpg", "items=0-1"), None);
        assert_eq!(ranged("/cdn-cgi/image/format=json/a.jpg", "bytes=0-99"), None, "a description is whole");
    }

    #[test]
    fn a_signed_url_without_expiry_is_immutable() {
        assert!(job("/cdn-cgi/image/width=100,s=abc/a.jpg", Asked::default()).immutable);
        assert!(!job("/cdn-cgi/image/width=100,s=abc,expires=99/a.jpg", Asked::default()).immutable);
        assert!(!job("/cdn-cgi/image/width=100/a.jpg", Asked::default()).immutable);
    }

    #[test]
    fn only_failures_of_an_allowed_source_redirect_and_only_when_asked() {
        let asked = job("/cdn-cgi/image/width=100,onerror=redirect/a.jpg", Asked::default());
        assert!(asked.redirects(&ProxyError::UpstreamRefused(404)));
        assert!(!asked.redirects(&ProxyError::SourceNotAllowed("no".into())), "never an open redirect");
        let silent = job("/cdn-cgi/image/width=100/a.jpg", Asked::default());
        assert!(!silent.redirects(&ProxyError::UpstreamRefused(404)));
    }

    #[test]
    fn the_etag_follows_from_the_source_version_and_is_matched_weakly() {
        let asked = Asked { if_none_match: Some("W/\"x\", \"y\""), ..Asked::default() };
        let job = job("/cdn-cgi/image/width=100/a.jpg", asked);
        let strong = Validators { etag: Some("\"v1\"".into()), last_modified: None };
        let etag = job.etag_for(&strong).expect("a strong ETag names a version");
        assert_eq!(job.etag_for(&strong), Some(etag.clone()), "the same version, the same ETag");
        assert_eq!(job.etag_for(&Validators::default()), None);
        assert!(job.client_has("\"x\"") && job.client_has("\"y\"") && !job.client_has(&etag));
    }

    #[test]
    fn draws_and_the_watermark_are_keyed_and_a_watermark_is_never_redirected_past() {
        let plain = job("/cdn-cgi/image/width=100/a.jpg", Asked::default());
        let drawn = job("/cdn-cgi/image/width=100,draw=%2Flogo.png;opacity=0.5/a.jpg", Asked::default());
        let other = job("/cdn-cgi/image/width=100,draw=%2Flogo.png;opacity=0.4/a.jpg", Asked::default());
        assert_ne!(plain.key_url, drawn.key_url);
        assert_ne!(drawn.key_url, other.key_url);
        assert_eq!(drawn.overlay_urls, other.overlay_urls, "one overlay entry per source");
        assert!(drawn.must_transform() && drawn.draws_on_untouched((10, 10)) && !plain.must_transform());
        let watermark = |min_width, on_untouched| Watermark {
            source: Source::parse("/wm.png").expect("valid"),
            place: crate::options::Placement::default(),
            min_width,
            on_untouched,
        };
        let with = |watermark: Watermark, path: &str| {
            let policy = Policy { watermark: Some(watermark), ..Policy::default() };
            let Ok(Route::Image(image)) = route(path, None) else { panic!("{path}") };
            Job::new(image, Asked::default(), &policy, "https://proxy.example")
        };
        let marked = with(watermark(0, false), "/cdn-cgi/image/width=100,onerror=redirect/a.jpg");
        assert_ne!(
            marked.key_url,
            job("/cdn-cgi/image/width=100,onerror=redirect/a.jpg", Asked::default()).key_url
        );
        assert_ne!(
            marked.key_url,
            with(watermark(50, false), "/cdn-cgi/image/width=100,onerror=redirect/a.jpg").key_url
        );
        assert_eq!(marked.overlay_urls.len(), 1);
        assert!(marked.must_transform(), "never the clean source for want of room");
        assert!(!marked.redirects(&ProxyError::UpstreamRefused(404)), "nor a redirect to it");
        assert!(!marked.draws_on_untouched((100, 100)), "WATERMARK_UNTOUCHED=keep");
        let eager = with(watermark(50, true), "/cdn-cgi/image/format=jpeg/a.jpg");
        assert!(eager.draws_on_untouched((50, 10)) && !eager.draws_on_untouched((49, 10)));
    }

    #[test]
    fn hints_settle_the_key_and_the_vary_but_not_the_signed_options() {
        let with = |hints: &Hints, accept: Option<&str>| {
            let asked = Asked { hints, accept, ..Asked::default() };
            job("/cdn-cgi/image/width=auto,scq=30,format=auto/a.jpg", asked)
        };
        let narrow = Hints::read(|name| (name == "Sec-CH-Width").then(|| "500".to_string()));
        let wide = Hints::read(|name| (name == "Sec-CH-Width").then(|| "1000".to_string()));
        let slow = Hints::read(|name| match name {
            "Sec-CH-Width" => Some("400".to_string()),
            "ECT" => Some("2g".to_string()),
            _ => None,
        });
        let (a, b, c) = (with(&narrow, None), with(&wide, None), with(&slow, None));
        assert_eq!((a.options.width, b.options.width, c.options.width), (Some(768), Some(1200), Some(768)));
        assert_eq!((a.options.quality, c.options.quality), (None, Some(30)));
        assert!(
            a.image.options.auto_width.is_some(),
            "the URL's options are signed and admitted as they are"
        );
        assert_eq!(a.image.options.slow_connection_quality, Some(30));
        assert_ne!(a.key_url, b.key_url, "two widths, two entries");
        assert_ne!(a.key_url, c.key_url, "two qualities, two entries");
        let again = Hints::read(|name| (name == "Sec-CH-Width").then(|| "600".to_string()));
        assert_eq!(with(&again, None).key_url, a.key_url, "the same breakpoint shares one entry");
        assert_eq!(a.vary(), vec!["Accept", "Sec-CH-Width", "RTT", "Save-Data", "ECT", "Downlink"]);
        let webp = with(&slow, Some("image/webp"));
        assert_eq!(webp.vary(), vec!["Accept", "Sec-CH-Width", "RTT", "Save-Data", "ECT"]);
        assert!(job("/cdn-cgi/image/width=300/a.jpg", Asked::default()).vary().is_empty());
    }
}
