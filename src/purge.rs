//! `POST /purge`: deletes the stored answers for a list of proxy URLs, in every format
//! variant they may have been stored under, and the source's "too large" mark, from every
//! layer the Worker has, and says what it reached ([`Report`]).
//!
//! The caller proves itself with `Authorization: Bearer <PURGE_TOKEN>`, compared in
//! constant time. The Cache API deletes in the data centre that runs the request only; the R2
//! tier is one store for every data centre, so a purge there reaches all of them; Workers
//! Cache in front is purged by the sources' `Cache-Tag`s, everywhere, and so loses every
//! variant of each source named, not only the URLs.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cache_key::{large_source_path, source_tag, CacheKey};
use crate::error::ProxyError;
use crate::hints::every_resolution;
use crate::negotiate::FormatRequest;
use crate::route::{drawn, route, Route};
use crate::security::Policy;

/// The most URLs one purge request may name, so that one request's work stays bounded.
pub const MAX_URLS: usize = 100;

/// The largest purge request body read, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The body of a purge request: `{"urls": ["/cdn-cgi/image/width=200/photos/cat.jpg", …]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurgeRequest {
    /// Proxy URLs in either form, as paths or absolute URLs.
    pub urls: Vec<String>,
}

impl PurgeRequest {
    /// Parses and bounds a request body.
    pub fn parse(body: &[u8]) -> Result<PurgeRequest, ProxyError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(ProxyError::BadOptions(format!("a purge request is at most {MAX_BODY_BYTES} bytes")));
        }
        let request: PurgeRequest = serde_json::from_slice(body).map_err(|e| {
            ProxyError::BadOptions(format!("expected {{\"urls\": [\"/cdn-cgi/image/…\"]}}: {e}"))
        })?;
        if request.urls.is_empty() || request.urls.len() > MAX_URLS {
            return Err(ProxyError::BadOptions(format!("name 1 to {MAX_URLS} URLs")));
        }
        Ok(request)
    }
}

/// What a purge did: the answer to `POST /purge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Edge-cache entries deleted (in this data centre).
    pub deleted: u32,
    /// Entries that may exist for the URLs: every format variant and the source's mark.
    pub looked_up: u32,
    /// Each layer, and whether the purge reached it.
    pub layers: Layers,
}

/// The layers a stored answer may be in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layers {
    /// `caches.default`, in the data centre that ran the purge.
    pub edge_cache: Layer,
    /// The `VARIANTS` R2 bucket, which every data centre shares.
    pub r2_tier: Layer,
    /// Workers Cache, in front of the Worker in every data centre.
    pub workers_cache: Layer,
}

/// One layer's part in a purge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layer {
    /// Whether the purge reached it.
    pub reached: bool,
    /// Entries it deleted there, where the layer says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<u32>,
    /// The `Cache-Tag`s purged there (Workers Cache).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// What that means, or why it was not reached.
    pub note: String,
}

/// What asking Workers Cache to purge came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkersCache {
    /// The runtime offers no `ctx.cache.purge` (Workers Cache is off, or the runtime is local).
    NotOffered,
    /// These tags were purged.
    Purged(Vec<String>),
    /// The purge was refused (rate-limited, say): what the runtime said.
    Failed(String),
}

impl Report {
    /// The report of a purge that looked up `looked_up` entries and deleted `deleted` of them
    /// from the edge cache and `tier_deleted` from the tier (`None`: the Worker has none),
    /// and of what Workers Cache said.
    pub fn new(
        looked_up: u32,
        deleted: u32,
        tier_deleted: Option<u32>,
        workers_cache: WorkersCache,
    ) -> Report {
        let layer =
            |reached, deleted, tags, note: &str| Layer { reached, deleted, tags, note: note.to_string() };
        let edge_cache = layer(
            true,
            Some(deleted),
            vec![],
            "this data centre only: the others keep their copies until they expire",
        );
        let r2_tier = match tier_deleted {
            Some(deleted) => layer(true, Some(deleted), vec![], "every data centre"),
            None => layer(false, None, vec![], "no VARIANTS binding"),
        };
        let workers_cache = match workers_cache {
            WorkersCache::NotOffered => layer(false, None, vec![], "the runtime offers no ctx.cache.purge"),
            WorkersCache::Purged(tags) => {
                layer(true, None, tags, "every data centre: every variant of each URL's source")
            }
            WorkersCache::Failed(why) => {
                layer(false, None, vec![], &format!("ctx.cache.purge failed: {why}"))
            }
        };
        Report { deleted, looked_up, layers: Layers { edge_cache, r2_tier, workers_cache } }
    }
}

/// Whether `authorization` is `Bearer <token>`. Both sides are hashed first, so the
/// comparison takes the same time whatever the guess and however long it is.
pub fn authorised(authorization: Option<&str>, token: &str) -> bool {
    let Some(given) = authorization.and_then(|value| value.trim().strip_prefix("Bearer ")) else {
        return false;
    };
    let (given, expected) = (Sha256::digest(given.trim().as_bytes()), Sha256::digest(token.as_bytes()));
    given.iter().zip(expected.iter()).fold(0u8, |differ, (a, b)| differ | (a ^ b)) == 0
}

/// Where a proxy URL's answers may be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entries {
    /// The cache paths: one per format variant (three for `format=auto`, which depends on
    /// `Accept`) of every set of options its client hints can settle on within the policy
    /// (each width `width=auto` can take, with and without `slow-connection-quality`), and the
    /// source's "too large" mark. The tier names them alike.
    pub cache_paths: Vec<String>,
    /// The source's `Cache-Tag`, under which Workers Cache holds them.
    pub source_tag: String,
}

/// Where a proxy URL's answers may be stored ([`Entries`]).
pub fn entries(url: &str, policy: &Policy) -> Result<Entries, ProxyError> {
    let not_image = || ProxyError::BadSource(format!("{url:?} is not an image URL of this proxy"));
    // An absolute URL names this proxy's host: only its path and query matter. A path may
    // hold `://` itself, in its absolute source.
    let local = match url.find("://").filter(|_| !url.starts_with('/')) {
        Some(scheme_end) => {
            let after_host =
                url.get(scheme_end + 3..).and_then(|rest| rest.find('/').map(|i| scheme_end + 3 + i));
            url.get(after_host.ok_or_else(not_image)?..).unwrap_or_default()
        }
        None => url,
    };
    let (path, query) = match local.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (local, None),
    };
    let Route::Image(image) = route(path, query)? else { return Err(not_image()) };
    let variants = match FormatRequest::new(&image.options, None) {
        FormatRequest::AutoLegacy => {
            vec![FormatRequest::AutoAvif, FormatRequest::AutoWebp, FormatRequest::AutoLegacy]
        }
        one => vec![one],
    };
    let settled = every_resolution(&image.options, policy);
    let drawn = drawn(&image.draws, policy.watermark.as_ref());
    let mut cache_paths: Vec<String> = settled
        .iter()
        .flat_map(|options| {
            variants.iter().map(|format| {
                CacheKey::new(&image.source, options, &drawn, *format, policy.cpu_budget_ms).path()
            })
        })
        .collect();
    cache_paths.push(large_source_path(&image.source));
    Ok(Entries { cache_paths, source_tag: source_tag(&image.source) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_paths(url: &str, policy: &Policy) -> Result<Vec<String>, ProxyError> {
        entries(url, policy).map(|entries| entries.cache_paths)
    }

    #[test]
    fn every_spelling_and_variant_of_a_url_is_found() {
        let plain = cache_paths("/cdn-cgi/image/width=200/photos/cat.jpg", &Policy::default()).unwrap();
        assert_eq!(plain.len(), 2, "one variant and the mark");
        assert_eq!(
            cache_paths("https://proxy.example.com/cdn-cgi/image/w=200/photos/cat.jpg", &Policy::default())
                .unwrap(),
            plain
        );
        assert_eq!(cache_paths("/image?url=/photos/cat.jpg&w=200", &Policy::default()).unwrap(), plain);
        let auto =
            cache_paths("/cdn-cgi/image/width=200,format=auto/photos/cat.jpg", &Policy::default()).unwrap();
        assert_eq!(auto.len(), 4, "AVIF, WebP and legacy variants and the mark");
        assert_eq!(auto.last(), plain.last(), "the same source's mark");
        assert!(cache_paths("/samples/cat.jpg", &Policy::default()).is_err(), "not an image URL");
        let tag = |url| entries(url, &Policy::default()).map(|entries| entries.source_tag);
        assert_eq!(tag("/cdn-cgi/image/width=200/photos/cat.jpg"), tag("/image?url=/photos/cat.jpg&w=10"));
        assert!(cache_paths("/cdn-cgi/image/nope=1/cat.jpg", &Policy::default()).is_err());
    }

    #[test]
    fn a_path_with_an_absolute_source_is_a_path() {
        let path = "/cdn-cgi/image/width=62/http://127.0.0.1:9000/versioned.jpg";
        let absolute = format!("https://proxy.example{path}");
        // Test-only `expect`s: a failure here is the test failing, on fixed input.
        let paths = cache_paths(path, &Policy::default()).expect("a proxy path");
        assert_eq!(paths, cache_paths(&absolute, &Policy::default()).expect("the same, absolute"));
    }

    #[test]
    fn a_url_settled_by_client_hints_is_purged_in_every_settlement() {
        use crate::hints::Hints;
        use crate::job::{Asked, Job};
        let url = "/cdn-cgi/image/width=auto,scq=40,format=auto/photos/cat.jpg";
        let paths = cache_paths(url, &Policy::default()).unwrap();
        assert_eq!(paths.len(), 4 * 2 * 3 + 1, "4 breakpoints, 2 qualities, 3 formats, the mark");
        let hints = Hints::read(|name| match name {
            "Sec-CH-Width" => Some("500".into()),
            "ECT" => Some("3g".into()),
            _ => None,
        });
        let Ok(Route::Image(image)) = route(url, None) else { panic!("an image URL") };
        let asked = Asked { accept: Some("image/avif,image/webp"), hints: &hints, ..Asked::default() };
        let job = Job::new(image, asked, &Policy::default(), "");
        assert!(paths.contains(&job.key_url), "the entry a client's hints made is purged");
    }

    #[test]
    fn a_url_is_purged_where_the_configured_cpu_budget_keyed_it() {
        // Test-only `panic!`/`unwrap`: a fixed example URL; a failure is the test failing.
        use crate::job::{Asked, Job};
        let url = "/cdn-cgi/image/width=320,format=auto/photos/cat.jpg";
        let free = Policy { cpu_budget_ms: 10, ..Policy::default() };
        let job = |policy: &Policy| {
            let Ok(Route::Image(image)) = route(url, None) else { panic!("an image URL") };
            Job::new(image, Asked { accept: Some("image/webp"), ..Asked::default() }, policy, "").key_url
        };
        let paths = cache_paths(url, &free).unwrap();
        assert!(paths.contains(&job(&free)), "the entry made within 10 ms is purged");
        assert!(!paths.contains(&job(&Policy::default())), "a key without the budget is another entry");
    }

    #[test]
    fn the_report_says_which_layers_were_reached() {
        let without_tier = serde_json::to_value(Report::new(2, 1, None, WorkersCache::NotOffered)).unwrap();
        assert_eq!(
            (without_tier["deleted"].clone(), without_tier["looked_up"].clone()),
            (1.into(), 2.into())
        );
        assert_eq!(without_tier["layers"]["edge_cache"]["reached"], true);
        assert_eq!(
            without_tier["layers"]["r2_tier"],
            serde_json::json!({"reached": false, "note": "no VARIANTS binding"})
        );
        assert_eq!(without_tier["layers"]["workers_cache"]["reached"], false);
        let purged = WorkersCache::Purged(vec!["src-ab".into()]);
        let with_tier = serde_json::to_value(Report::new(4, 0, Some(3), purged)).unwrap();
        assert_eq!(with_tier["layers"]["r2_tier"]["deleted"], 3);
        assert_eq!(with_tier["layers"]["workers_cache"]["tags"], serde_json::json!(["src-ab"]));
        let refused = Report::new(1, 0, None, WorkersCache::Failed("rate limited".into()));
        assert!(!refused.layers.workers_cache.reached);
    }

    #[test]
    fn only_the_token_opens() {
        assert!(authorised(Some("Bearer s3cret-token"), "s3cret-token"));
        assert!(!authorised(Some("Bearer s3cret-tokem"), "s3cret-token"));
        assert!(!authorised(Some("s3cret-token"), "s3cret-token"), "the scheme is required");
        assert!(!authorised(None, "s3cret-token"));
    }

    #[test]
    fn requests_are_bounded() {
        assert_eq!(PurgeRequest::parse(br#"{"urls": ["/a"]}"#).unwrap().urls, ["/a"]);
        assert!(PurgeRequest::parse(br#"{"urls": []}"#).is_err());
        assert!(PurgeRequest::parse(br#"{"url": "/a"}"#).is_err());
        let many = serde_json::json!({ "urls": vec!["/a"; MAX_URLS + 1] }).to_string();
        assert!(PurgeRequest::parse(many.as_bytes()).is_err());
    }
}
