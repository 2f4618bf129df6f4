//! The edge-cache key of a transformed image: the source, the options and the negotiated
//! format in one canonical spelling, so equal requests share an entry and different ones
//! never do.

use sha2::{Digest, Sha256};

use crate::negotiate::FormatRequest;
use crate::options::TransformOptions;
use crate::route::{with_drawn, Source};
use crate::security::DEFAULT_CPU_BUDGET_MS;

/// Bumped whenever the same request would produce different bytes, so that old entries are
/// not served for the new engine.
pub const ENGINE_VERSION: &str = "7";

/// The canonical description of one output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    canonical: String,
}

impl CacheKey {
    /// The key of `source` transformed by `options`, with the overlays `drawn` names
    /// ([`crate::route::drawn`]: the URL's draws and the configured watermark), into the
    /// format `format` settles on, within `cpu_budget_ms` (`CPU_BUDGET_MS`).
    pub fn new(
        source: &Source,
        options: &TransformOptions,
        drawn: &str,
        format: FormatRequest,
        cpu_budget_ms: u64,
    ) -> CacheKey {
        // Every part but the source has a fixed alphabet without spaces (the overlays'
        // sources are canonical URLs, which escape theirs); the source is last, so no part
        // can be confused with another.
        let options = with_drawn(options.canonical(), drawn);
        // A budget under what a transform needs makes other bytes (a JPEG for a WebP, a
        // softer picture), which must not be served once the budget is raised. The default
        // is left out, so that the keys of a Worker that never set it stay as they were.
        let budget = match cpu_budget_ms {
            DEFAULT_CPU_BUDGET_MS => String::new(),
            ms => format!(" cpu-budget={ms}"),
        };
        let canonical =
            format!("v{ENGINE_VERSION}{budget} {} {options} {}", format.token(), source.canonical());
        CacheKey { canonical }
    }

    /// The human-readable form, for logs.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// A path under which the Cache API stores the entry: a hash, so that any source URL fits.
    pub fn path(&self) -> String {
        let digest = Sha256::digest(self.canonical.as_bytes());
        format!("{CACHE_PREFIX}cache/{}", hex(&digest))
    }
}

/// Where the edge cache remembers that `source` turned out larger than `TRANSFORM_MAX_BYTES`
/// without declaring its length: one entry per source, whatever the options.
pub fn large_source_path(source: &Source) -> String {
    let digest = Sha256::digest(format!("v{ENGINE_VERSION} {}", source.canonical()).as_bytes());
    format!("{CACHE_PREFIX}large/{}", hex(&digest))
}

/// Where the edge cache keeps the bytes of an overlay's `source` (`draw`, the watermark), as
/// fetched: one entry per source, whatever draws it, so that a watermark is not fetched for
/// every request.
pub fn overlay_path(source: &Source) -> String {
    let digest = Sha256::digest(format!("v{ENGINE_VERSION} overlay {}", source.canonical()).as_bytes());
    format!("{CACHE_PREFIX}overlay/{}", hex(&digest))
}

/// The `Cache-Tag` every cacheable answer carries besides its source's: purging it would
/// reach everything Workers Cache holds of this proxy.
pub const PROXY_TAG: &str = "edge-image-proxy";

/// The `Cache-Tag` of every answer made from `source`, whatever the options and format:
/// `src-` and the first 128 bits of a SHA-256 of its canonical spelling, in hex (printable
/// ASCII of fixed length, as Workers Cache requires, for any source URL). Purging it reaches
/// every variant of the source in every data centre.
pub fn source_tag(source: &Source) -> String {
    let digest = Sha256::digest(source.canonical().as_bytes());
    format!("src-{}", hex(digest.get(..16).unwrap_or_default()))
}

/// The key in the R2 tier (`VARIANTS`) of what the edge cache stores under `path` (a
/// [`CacheKey::path`] or a [`large_source_path`]): the same name without the Cache API's
/// prefix, `cache/<hash>` or `large/<hash>`, so that both layers hold one entry under one name.
pub fn tier_key(path: &str) -> String {
    path.trim_start_matches(CACHE_PREFIX).to_string()
}

/// What every Cache API path of the proxy starts with.
const CACHE_PREFIX: &str = "/.edge-image-proxy/";

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::FormatChoice;
    use crate::route::{route, Route};

    fn key(path: &str, query: Option<&str>, accept: Option<&str>) -> CacheKey {
        let Ok(Route::Image(request)) = route(path, query) else { panic!("{path}") };
        let format = FormatRequest::new(&request.options, accept);
        CacheKey::new(&request.source, &request.options, "", format, DEFAULT_CPU_BUDGET_MS)
    }

    #[test]
    fn spellings_of_one_request_share_a_key() {
        let a = key("/cdn-cgi/image/width=200,quality=80,fit=scale-down/samples/a.jpg", None, None);
        let b = key("/cdn-cgi/image/q=80,w=100,dpr=2/samples/a.jpg", None, None);
        let c = key("/image", Some("w=200&url=/samples/a.jpg&q=80"), None);
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.path(), c.path());
    }

    #[test]
    fn different_requests_get_different_keys() {
        let base = key("/cdn-cgi/image/w=200/samples/a.jpg", None, None);
        for other in [
            key("/cdn-cgi/image/w=201/samples/a.jpg", None, None),
            key("/cdn-cgi/image/h=200/samples/a.jpg", None, None),
            key("/cdn-cgi/image/w=200/samples/b.jpg", None, None),
            key("/cdn-cgi/image/w=200,f=png/samples/a.jpg", None, None),
            key("/cdn-cgi/image/w=200,q=85/samples/a.jpg", None, None),
        ] {
            assert_ne!(base.path(), other.path(), "{}", other.canonical());
        }
    }

    #[test]
    fn a_cpu_budget_is_keyed_unless_it_is_the_default() {
        // Test-only `panic!`: a fixed example URL, never request input.
        let Ok(Route::Image(request)) = route("/cdn-cgi/image/w=200,f=auto/a.jpg", None) else { panic!() };
        let format = FormatRequest::new(&request.options, Some("image/webp"));
        let with = |budget| CacheKey::new(&request.source, &request.options, "", format, budget);
        let default = with(DEFAULT_CPU_BUDGET_MS);
        assert_eq!(default, key("/cdn-cgi/image/w=200,f=auto/a.jpg", None, Some("image/webp")));
        assert!(!default.canonical().contains("cpu"), "{}", default.canonical());
        assert_ne!(with(10).path(), default.path(), "a WebP within 30 s may be a JPEG within 10 ms");
        assert_ne!(with(10).path(), with(20).path());
        assert_eq!(with(10), with(10));
    }

    #[test]
    fn large_source_marks_depend_on_the_source_only() {
        let a = Source::parse("/big.jpg").expect("valid");
        let b = Source::parse("/big.jpg?v=2").expect("valid");
        assert_eq!(large_source_path(&a), large_source_path(&a));
        assert_ne!(large_source_path(&a), large_source_path(&b));
        let image = key("/cdn-cgi/image/w=1/big.jpg", None, None);
        assert_ne!(large_source_path(&a), image.path());
    }

    #[test]
    fn a_source_tag_is_one_per_source_and_fits_workers_cache() {
        let tag = |raw: &str| source_tag(&Source::parse(raw).expect("valid"));
        assert_eq!(tag("/a.jpg"), tag("/%61.jpg"), "one spelling");
        assert_ne!(tag("/a.jpg"), tag("/a.jpg?v=2"));
        let long = tag(&format!("https://images.example.com/{}", "x".repeat(5000)));
        assert_eq!(long.len(), 36, "{long}");
        assert!(long.bytes().all(|b| b.is_ascii_graphic() && b != b','), "{long}");
    }

    #[test]
    fn the_tier_names_an_entry_as_the_edge_cache_does() {
        let image = key("/cdn-cgi/image/w=1/big.jpg", None, None);
        let digest = image.path().rsplit('/').next().unwrap_or_default().to_string();
        assert_eq!(tier_key(&image.path()), format!("cache/{digest}"));
        let mark = large_source_path(&Source::parse("/big.jpg").expect("valid"));
        assert!(tier_key(&mark).starts_with("large/"), "{mark}");
    }

    #[test]
    fn auto_format_keys_depend_on_avif_and_webp_support_only() {
        let chrome = key("/cdn-cgi/image/f=auto/a.jpg", None, Some("image/avif,image/webp,*/*"));
        let firefox = key(
            "/cdn-cgi/image/f=auto/a.jpg",
            None,
            Some("image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"),
        );
        let webp_only = key("/cdn-cgi/image/f=auto/a.jpg", None, Some("image/webp,*/*;q=0.8"));
        let edge_webp = key("/cdn-cgi/image/f=auto/a.jpg", None, Some("image/webp,image/apng,*/*"));
        let old = key("/cdn-cgi/image/f=auto/a.jpg", None, Some("*/*"));
        assert_eq!(chrome, firefox);
        assert_eq!(webp_only, edge_webp);
        assert_ne!(chrome, webp_only);
        assert_ne!(chrome, old);
        assert_ne!(webp_only, old);
        assert_eq!(
            FormatRequest::new(
                &TransformOptions { format: FormatChoice::Auto, ..TransformOptions::default() },
                None
            )
            .token(),
            "auto-legacy"
        );
    }
}
