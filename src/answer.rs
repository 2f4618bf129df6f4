//! Every answer's headers, as data: built by pure functions from the job and what was made,
//! so that each header is tested on the host; the edge only wraps them into responses.
//!
//! Image answers carry `Content-Type`, a strong `ETag`, `Cache-Control`, `X-Cache`,
//! `Server-Timing`, `Content-Disposition`, `Accept-CH` naming the client hints the proxy
//! reads, and one `Vary` with `Accept` where `Accept` chose the format and the hints the
//! options were settled with; a stored answer also its `Age`. Every answer a cache may keep
//! carries `Cache-Tag` (its source's tag and the proxy's), so that Workers Cache in front can
//! be purged by source. Every answer gets the browser headers of [`for_browsers`] on its way
//! out.

use std::rc::Rc;

use crate::browser::{content_disposition, CorsOrigins};
use crate::cache_key::{source_tag, PROXY_TAG};
use crate::cache_policy::{storage, OriginCaching, Storage, Stored};
use crate::config::Config;
use crate::error::ProxyError;
use crate::etag::{strong_etag, Validators};
use crate::format::extension;
use crate::hints::{accept_ch, page_accept_ch};
use crate::job::Job;
use crate::transform::Completeness;

/// Response headers: lower-case names and their values, in the order they are set.
pub type Headers = Vec<(&'static str, String)>;

/// An image just made (or a description, or the source itself when nothing needed doing), as
/// the request that made it shares it with identical requests that waited for it.
#[derive(Debug, Clone)]
pub struct Made {
    /// The body.
    pub body: Rc<Vec<u8>>,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// What the source's origin said about caching.
    pub caching: OriginCaching,
    /// The source's validators, stored with the answer to revalidate it.
    pub validators: Validators,
    /// What each stage did.
    pub server_timing: String,
    /// Whether the picture is whole: what was made of a source that could only be decoded in
    /// part is answered, but stored nowhere.
    pub completeness: Completeness,
}

/// The headers of one image answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageHeaders {
    /// `Content-Type`.
    pub content_type: String,
    /// Strong `ETag`, quoted.
    pub etag: String,
    /// `Cache-Control`.
    pub cache_control: String,
    /// `Age`: seconds since a stored answer was made (stored answers only).
    pub age: Option<u64>,
    /// `X-Cache`: `HIT`, `REVALIDATED`, `STALE`, `MISS` or `BYPASS`.
    pub x_cache: &'static str,
    /// The request headers the answer depends on (`Vary`), from [`Job::vary`].
    pub vary: Vec<&'static str>,
    /// `Server-Timing`.
    pub server_timing: String,
    /// `Content-Disposition`.
    pub disposition: String,
    /// `Cache-Tag`, for an answer a cache may keep (see [`cache_tag`]).
    pub cache_tag: Option<String>,
}

impl ImageHeaders {
    /// The headers of a `200` with the body.
    pub fn full(&self) -> Headers {
        let mut headers = vec![("content-type", self.content_type.clone())];
        headers.extend(self.validating());
        headers.push(("content-disposition", self.disposition.clone()));
        headers
    }

    /// The headers of a `304 Not Modified`: those a `200` would have had that describe the
    /// stored copy (RFC 9110, 15.4.5), not those of a body it does not have.
    pub fn not_modified(&self) -> Headers {
        self.validating()
    }

    fn validating(&self) -> Headers {
        let mut headers = vec![
            ("etag", self.etag.clone()),
            ("cache-control", self.cache_control.clone()),
            ("x-cache", self.x_cache.to_string()),
            ("server-timing", self.server_timing.clone()),
        ];
        if !self.vary.is_empty() {
            headers.push(("vary", self.vary.join(", ")));
        }
        headers.push(("accept-ch", accept_ch()));
        if let Some(age) = self.age {
            headers.push(("age", age.to_string()));
        }
        if let Some(tag) = &self.cache_tag {
            headers.push(("cache-tag", tag.clone()));
        }
        headers
    }
}

/// The `Cache-Tag` of an answer to `job` sent with `cache_control`: its source's tag and the
/// proxy's, one list for every variant of a URL (Workers Cache purges the variants `Vary`
/// makes as one, so they must share their tags); none for what no shared cache may keep.
pub fn cache_tag(job: &Job, cache_control: &str) -> Option<String> {
    let kept = !(cache_control.starts_with("no-store") || cache_control.starts_with("private"));
    kept.then(|| format!("{},{PROXY_TAG}", source_tag(&job.image.source)))
}

/// The answer's `ETag`: derived from the source's version when it names one (so a client's
/// `If-None-Match` can be answered from the upstream's headers alone), else a digest of the
/// body.
pub fn etag_of(job: &Job, validators: &Validators, body: &[u8]) -> String {
    job.etag_for(validators).unwrap_or_else(|| strong_etag(body))
}

/// A body just made, and how it is stored in the edge cache (`ttl: None`: not at all).
/// `waited`: this request waited for an identical one that made it. A picture decoded only in
/// part is `no-store`, in our cache and the client's: the damage may be a passing one (a
/// truncated upload, a file still being written) and must not stick, and a short `private`
/// lifetime would still let a browser show it as the image for that long.
pub fn fresh(job: &Job, made: &Made, config: &Config, waited: bool) -> (ImageHeaders, Storage) {
    let storage = match made.completeness.is_whole() {
        true => storage(&made.caching, made.body.len() as u64, config, job.immutable),
        false => Storage::nowhere(),
    };
    let server_timing = match waited {
        true => format!("coalesced;desc=\"waited for an identical request\", {}", made.server_timing),
        false => made.server_timing.clone(),
    };
    let headers = ImageHeaders {
        content_type: made.content_type.to_string(),
        etag: etag_of(job, &made.validators, &made.body),
        cache_control: storage.client_cache_control.clone(),
        age: None,
        x_cache: if storage.ttl.is_some() { "MISS" } else { "BYPASS" },
        vary: job.vary(),
        server_timing,
        disposition: content_disposition(&job.image.source, extension(made.content_type)),
        cache_tag: cache_tag(job, &storage.client_cache_control),
    };
    (headers, storage)
}

/// How a body just made is stored at `now` (Unix seconds), with the headers it is answered
/// with, when [`fresh`]'s `storage` lets it be stored at all.
pub fn stored(made: &Made, headers: &ImageHeaders, storage: &Storage, now: u64) -> Option<Stored> {
    storage.ttl.map(|ttl| Stored {
        content_type: made.content_type.to_string(),
        etag: headers.etag.clone(),
        ttl,
        keep: storage.keep,
        stored_at: now,
        validators: made.validators.clone(),
    })
}

/// A stored answer, at `now` (Unix seconds): `HIT`, `REVALIDATED` (stale, and the origin
/// said its source is unchanged) or `STALE` (stale, and the origin could not be asked).
pub fn cached(
    job: &Job,
    stored: &Stored,
    x_cache: &'static str,
    server_timing: String,
    now: u64,
) -> ImageHeaders {
    // What was decided when the entry was stored, and how long ago. An entry fresh for no
    // time was stored `no-cache`: revalidated for this answer, and so for the client's next.
    let cache_control = match stored.ttl {
        0 => "no-cache".to_string(),
        ttl if job.immutable => format!("public, max-age={ttl}, immutable"),
        ttl => format!("public, max-age={ttl}"),
    };
    ImageHeaders {
        content_type: stored.content_type.clone(),
        etag: stored.etag.clone(),
        cache_tag: cache_tag(job, &cache_control),
        cache_control,
        age: Some(now.saturating_sub(stored.stored_at)),
        x_cache,
        vary: job.vary(),
        server_timing,
        disposition: content_disposition(&job.image.source, extension(&stored.content_type)),
    }
}

/// The source's own bytes, read but not transformed for want of memory: neither stored nor
/// to be kept by the client, since the next request may well be transformed.
pub fn untouched(job: &Job, body: &[u8], content_type: &str, server_timing: String) -> ImageHeaders {
    ImageHeaders {
        content_type: content_type.to_string(),
        etag: strong_etag(body),
        cache_control: "no-store".into(),
        age: None,
        x_cache: "BYPASS",
        vary: job.vary(),
        server_timing,
        disposition: content_disposition(&job.image.source, extension(content_type)),
        cache_tag: None,
    }
}

/// `304` for a client that already has the answer to this version of the source (`etag`),
/// known from the upstream's headers alone: its body is never read.
pub fn known_to_client(
    job: &Job,
    etag: &str,
    caching: &OriginCaching,
    config: &Config,
    timing: &str,
) -> Headers {
    let cache_control = storage(caching, 0, config, job.immutable).client_cache_control;
    let headers = ImageHeaders {
        content_type: String::new(),
        etag: etag.to_string(),
        cache_tag: cache_tag(job, &cache_control),
        cache_control,
        age: None,
        x_cache: "MISS",
        vary: job.vary(),
        server_timing: format!("{timing}, transform;desc=\"none: the client has this version\""),
        disposition: String::new(),
    };
    headers.not_modified()
}

/// Headers copied from the upstream onto a pass-through response; nothing else is.
const PASSTHROUGH_HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "content-range",
    "accept-ranges",
    "etag",
    "last-modified",
    "cache-control",
    "expires",
];

/// A pass-through's headers for `job`: the upstream's allowed ones (`upstream` looks one
/// up), marked as not from our cache, and tagged for Workers Cache, which may keep what the
/// origin lets it (never a `206`). `whole`: the body is the upstream's as it came; otherwise
/// it was read in part first and re-streamed, and its declared length is not repeated.
pub fn passthrough(
    job: &Job,
    upstream: impl Fn(&str) -> Option<String>,
    server_timing: &str,
    whole: bool,
) -> Headers {
    let mut headers: Headers = PASSTHROUGH_HEADERS
        .into_iter()
        .filter(|name| whole || *name != "content-length")
        .filter_map(|name| upstream(name).map(|value| (name, value)))
        .collect();
    headers.push(("x-cache", "BYPASS".into()));
    headers.push(("server-timing", server_timing.to_string()));
    headers.push(("accept-ch", accept_ch()));
    let cache_control = upstream("cache-control").unwrap_or_default().trim().to_ascii_lowercase();
    if let Some(tag) = cache_tag(job, &cache_control) {
        headers.push(("cache-tag", tag));
    }
    headers
}

/// The headers that let pages on other origins read, time and embed an answer, for a request
/// from `origin` answered with `content_type`. Errors get them too, so a page script can read
/// a problem document. They are added to the answer's own (a `Vary` keeps its values).
pub fn for_browsers(cors: &CorsOrigins, origin: Option<&str>, content_type: Option<&str>) -> Headers {
    let mut headers: Headers = vec![
        ("cross-origin-resource-policy", "cross-origin".into()),
        ("x-content-type-options", "nosniff".into()),
    ];
    // Nothing may be sniffed into another type, and nothing but the proxy's own pages may run
    // as a document: an image or pass-through body opened directly gets a sandbox with no
    // scripts, whatever bytes it holds.
    let is_page = content_type.is_some_and(|t| t.to_ascii_lowercase().starts_with("text/html"));
    match is_page {
        // Browsers send a page's image requests the hints that page's own answer asked for,
        // and no others: the playground asks for those `width=auto` and `scq` read.
        true => headers.push(("accept-ch", page_accept_ch())),
        false => headers.push((
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; sandbox".into(),
        )),
    }
    if let Some(allowed) = cors.allow(origin) {
        headers.push(("access-control-allow-origin", allowed.clone()));
        headers.push(("timing-allow-origin", allowed));
        headers.push(("access-control-expose-headers", "X-Cache, Server-Timing, Content-Disposition".into()));
    }
    if cors.varies_on_origin() {
        headers.push(("vary", "Origin".into()));
    }
    headers
}

/// The `application/problem+json` answer for a failure: status, headers and body. Never
/// stored: a passing upstream fault must not stick.
pub fn problem(err: &ProxyError) -> (u16, Headers, Vec<u8>) {
    let mut headers: Headers =
        vec![("content-type", "application/problem+json".into()), ("cache-control", "no-store".into())];
    if let Some(seconds) = err.retry_after_seconds() {
        headers.push(("retry-after", seconds.to_string()));
    }
    (err.status(), headers, err.problem_json().into_bytes())
}

/// `302 Found` to `location` (`onerror=redirect`), not to be stored: the next request may
/// well succeed.
pub fn redirect(location: &str) -> Headers {
    vec![("location", location.to_string()), ("cache-control", "no-store".into())]
}

/// A JSON document of the proxy's own (`/reference.json`, counters), never stored.
pub fn json() -> Headers {
    vec![("content-type", "application/json".into()), ("cache-control", "no-store".into())]
}

/// The answer to a CORS preflight (`OPTIONS`), which asked to send `requested` headers.
pub fn preflight(requested: Option<&str>) -> Headers {
    let mut headers: Headers = vec![
        ("access-control-allow-methods", "GET, HEAD, POST, OPTIONS".into()),
        ("access-control-max-age", "86400".into()),
    ];
    if let Some(requested) = requested {
        headers.push(("access-control-allow-headers", requested.to_string()));
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::Asked;
    use crate::route::{route, Route};
    use crate::security::Policy;

    fn job(path: &str, accept: Option<&str>) -> Job {
        match route(path, None) {
            Ok(Route::Image(image)) => {
                Job::new(image, Asked { accept, ..Asked::default() }, &Policy::default(), "https://p.example")
            }
            other => panic!("{other:?}"),
        }
    }

    fn get<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
        headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    fn made(body: &[u8], cache_control: Option<&str>, etag: Option<&str>) -> Made {
        Made {
            body: Rc::new(body.to_vec()),
            content_type: "image/webp",
            caching: OriginCaching::parse(cache_control, false),
            validators: Validators { etag: etag.map(String::from), last_modified: None },
            server_timing: "fetch;dur=3".into(),
            completeness: Completeness::Whole,
        }
    }

    #[test]
    fn a_picture_decoded_in_part_is_stored_nowhere() {
        let job = job("/cdn-cgi/image/width=100,format=webp/photos/cat.jpg", None);
        let partial = Made {
            completeness: Completeness::RowsMissing { first: 192, last: 239 },
            ..made(b"RIFF", Some("public, max-age=600"), None)
        };
        let (headers, storage) = fresh(&job, &partial, &Config::default(), false);
        assert_eq!(storage.ttl, None, "not in the edge cache");
        assert_eq!((headers.cache_control.as_str(), headers.x_cache), ("no-store", "BYPASS"));
        let (whole, _) =
            fresh(&job, &made(b"RIFF", Some("public, max-age=600"), None), &Config::default(), false);
        assert_eq!(whole.cache_control, "public, max-age=600");
    }

    #[test]
    fn a_fresh_image_says_what_it_is_and_how_long_to_keep_it() {
        let job = job("/cdn-cgi/image/width=100,format=auto/photos/cat.jpg", Some("image/webp"));
        let (headers, storage) =
            fresh(&job, &made(b"RIFF", Some("max-age=600"), None), &Config::default(), false);
        assert_eq!((storage.ttl, storage.keep), (Some(600), 1200));
        let list = headers.full();
        assert_eq!(get(&list, "content-type"), Some("image/webp"));
        assert_eq!(get(&list, "cache-control"), Some("public, max-age=600"));
        assert_eq!(get(&list, "x-cache"), Some("MISS"));
        assert_eq!(get(&list, "vary"), Some("Accept"), "format=auto chose by Accept");
        assert_eq!(get(&list, "etag"), Some(strong_etag(b"RIFF").as_str()), "no source version: a digest");
        assert_eq!(get(&list, "content-disposition"), Some("inline; filename=\"cat.webp\""));
        assert_eq!(get(&list, "server-timing"), Some("fetch;dur=3"));
        assert_eq!(get(&list, "age"), None);
    }

    #[test]
    fn what_may_be_stored_is_stored_with_its_validators_and_etag() {
        let job = job("/cdn-cgi/image/width=100/a.png", None);
        let versioned = made(b"x", Some("max-age=600"), Some("\"v1\""));
        let (headers, storage) = fresh(&job, &versioned, &Config::default(), false);
        let kept = stored(&versioned, &headers, &storage, 50).expect("stored");
        assert_eq!((kept.ttl, kept.keep, kept.stored_at), (600, 1200, 50));
        assert_eq!((kept.etag, kept.validators), (headers.etag.clone(), versioned.validators.clone()));
        let private = made(b"x", Some("private"), None);
        let (headers, storage) = fresh(&job, &private, &Config::default(), false);
        assert_eq!(stored(&private, &headers, &storage, 50), None);
    }

    #[test]
    fn an_answer_settled_by_hints_varies_on_them_and_asks_for_them() {
        let hints = crate::hints::Hints::read(|name| (name == "Sec-CH-Width").then(|| "500".into()));
        let auto = match route("/cdn-cgi/image/width=auto,format=auto/a.jpg", None) {
            Ok(Route::Image(image)) => {
                let asked = Asked { accept: Some("image/webp"), hints: &hints, ..Asked::default() };
                Job::new(image, asked, &Policy::default(), "https://p.example")
            }
            other => panic!("{other:?}"),
        };
        let (headers, _) = fresh(&auto, &made(b"RIFF", Some("max-age=600"), None), &Config::default(), false);
        for list in [headers.full(), headers.not_modified()] {
            let varies: Vec<_> = list.iter().filter(|(name, _)| *name == "vary").collect();
            assert_eq!(varies.len(), 1, "one Vary");
            assert_eq!(get(&list, "vary"), Some("Accept, Sec-CH-Width"));
            assert_eq!(get(&list, "accept-ch"), Some(crate::hints::accept_ch().as_str()));
        }
        let plain = job("/cdn-cgi/image/width=100/a.png", None);
        let (headers, _) = fresh(&plain, &made(b"x", None, None), &Config::default(), false);
        assert_eq!(get(&headers.full(), "vary"), None);
        assert!(get(&headers.full(), "accept-ch").is_some_and(|list| list.contains("Sec-CH-Width")));
    }

    #[test]
    fn what_the_origin_keeps_private_is_not_stored_and_a_follower_says_it_waited() {
        let job = job("/cdn-cgi/image/width=100/a.png", None);
        let (headers, storage) =
            fresh(&job, &made(b"x", Some("private, max-age=5"), None), &Config::default(), true);
        assert_eq!(storage.ttl, None);
        assert_eq!(headers.x_cache, "BYPASS");
        assert_eq!(headers.cache_control, "private, max-age=5");
        assert!(headers.vary.is_empty(), "no format=auto, no Vary");
        assert!(headers.server_timing.starts_with("coalesced;desc=\"waited for an identical request\", "));
    }

    #[test]
    fn a_source_version_gives_the_etag_before_any_byte_is_read() {
        let job = job("/cdn-cgi/image/width=100/a.png", None);
        let with_version = made(b"x", None, Some("\"v1\""));
        let (headers, _) = fresh(&job, &with_version, &Config::default(), false);
        assert_eq!(Some(headers.etag.clone()), job.etag_for(&with_version.validators));
        let early =
            known_to_client(&job, &headers.etag, &with_version.caching, &Config::default(), "fetch;dur=1");
        assert_eq!(get(&early, "etag"), Some(headers.etag.as_str()));
        assert_eq!(get(&early, "content-type"), None, "a 304 has no body to describe");
        assert_eq!(
            get(&early, "server-timing"),
            Some("fetch;dur=1, transform;desc=\"none: the client has this version\"")
        );
    }

    #[test]
    fn a_stored_answer_tells_its_age_and_a_signed_one_is_immutable() {
        let job = job("/cdn-cgi/image/width=100,s=sig/a.png", None);
        let stored = Stored {
            content_type: "image/png".into(),
            etag: "\"e\"".into(),
            ttl: 60,
            keep: 120,
            stored_at: 1000,
            validators: Validators::default(),
        };
        let headers = cached(&job, &stored, "HIT", "cache;dur=1".into(), 1030);
        assert_eq!(headers.age, Some(30));
        assert_eq!(headers.cache_control, "public, max-age=60, immutable");
        let not_modified = headers.not_modified();
        assert_eq!(get(&not_modified, "content-disposition"), None);
        assert_eq!(get(&not_modified, "age"), Some("30"));
        let no_cache = Stored { ttl: 0, ..stored };
        assert_eq!(cached(&job, &no_cache, "REVALIDATED", String::new(), 1030).cache_control, "no-cache");
    }

    #[test]
    fn an_untouched_source_is_neither_stored_nor_kept() {
        let job = job("/cdn-cgi/image/width=100/a.jpg", None);
        let headers = untouched(&job, b"jpeg", "image/jpeg", "t".into());
        assert_eq!((headers.cache_control.as_str(), headers.x_cache), ("no-store", "BYPASS"));
        assert_eq!(headers.disposition, "inline; filename=\"a.jpg\"");
    }

    #[test]
    fn a_pass_through_copies_only_allowed_headers() {
        let upstream = |name: &str| match name {
            "content-type" => Some("image/jpeg".to_string()),
            "content-length" => Some("9".to_string()),
            "set-cookie" => Some("a=b".to_string()),
            _ => None,
        };
        let job = job("/cdn-cgi/image/width=100/a.jpg", None);
        let whole = passthrough(&job, upstream, "fetch;dur=2", true);
        assert_eq!(
            whole,
            vec![
                ("content-type", "image/jpeg".to_string()),
                ("content-length", "9".to_string()),
                ("x-cache", "BYPASS".to_string()),
                ("server-timing", "fetch;dur=2".to_string()),
                ("accept-ch", accept_ch()),
                ("cache-tag", format!("{},edge-image-proxy", source_tag(&job.image.source))),
            ]
        );
        assert_eq!(get(&passthrough(&job, upstream, "", false), "content-length"), None, "re-streamed");
        let private = |name: &str| (name == "cache-control").then(|| "Private, max-age=9".to_string());
        assert_eq!(get(&passthrough(&job, private, "", true), "cache-tag"), None, "no shared cache keeps it");
    }

    #[test]
    fn every_answer_a_cache_may_keep_is_tagged_with_its_source_and_the_proxy() {
        let auto = |accept| job("/cdn-cgi/image/width=100,format=auto/photos/cat.jpg", accept);
        let (webp, avif) = (auto(Some("image/webp")), auto(Some("image/avif,image/webp")));
        let tag = format!("{},edge-image-proxy", source_tag(&webp.image.source));
        let fresh_tag = |job: &Job, cache_control| {
            let (headers, _) = fresh(job, &made(b"x", cache_control, None), &Config::default(), false);
            get(&headers.full(), "cache-tag").map(String::from)
        };
        assert_eq!(fresh_tag(&webp, Some("max-age=600")), Some(tag.clone()));
        assert_eq!(
            fresh_tag(&avif, Some("max-age=600")),
            Some(tag.clone()),
            "every variant has the same tags"
        );
        assert_eq!(fresh_tag(&webp, Some("no-cache")), Some(tag.clone()), "stored, revalidated before use");
        assert_eq!(fresh_tag(&webp, Some("no-store")), None);
        assert_eq!(fresh_tag(&webp, Some("private, max-age=60")), None);
        let other = job("/cdn-cgi/image/width=300/photos/cat.jpg", None);
        assert_eq!(fresh_tag(&other, None), Some(tag.clone()), "the same source, other options");
        let stored = Stored {
            content_type: "image/webp".into(),
            etag: "\"e\"".into(),
            ttl: 60,
            keep: 120,
            stored_at: 0,
            validators: Validators::default(),
        };
        let hit = cached(&webp, &stored, "HIT-TIER", String::new(), 1);
        assert_eq!(
            get(&hit.not_modified(), "cache-tag"),
            Some(tag.as_str()),
            "a 304 describes the stored copy"
        );
        assert_eq!(untouched(&webp, b"x", "image/jpeg", String::new()).cache_tag, None, "no-store");
    }

    #[test]
    fn browsers_may_read_every_answer_and_no_body_runs_as_a_page() {
        let any = for_browsers(&CorsOrigins::Any, None, Some("image/png"));
        assert_eq!(get(&any, "access-control-allow-origin"), Some("*"));
        assert_eq!(get(&any, "timing-allow-origin"), Some("*"));
        assert!(get(&any, "content-security-policy").is_some_and(|csp| csp.contains("sandbox")));
        assert_eq!(get(&any, "vary"), None);
        let page = for_browsers(&CorsOrigins::Any, None, Some("Text/HTML; charset=utf-8"));
        assert_eq!(get(&page, "content-security-policy"), None, "the playground's own pages run");
        assert_eq!(get(&page, "accept-ch"), Some(page_accept_ch().as_str()), "and ask for the hints");
        assert_eq!(get(&any, "accept-ch"), None, "an image's own answer adds its own Accept-CH");
        let listed = CorsOrigins::parse("https://app.example").expect("an origin");
        let other = for_browsers(&listed, Some("https://evil.example"), None);
        assert_eq!(get(&other, "access-control-allow-origin"), None);
        assert_eq!(get(&other, "vary"), Some("Origin"));
        let app = for_browsers(&listed, Some("https://app.example"), None);
        assert_eq!(get(&app, "access-control-allow-origin"), Some("https://app.example"));
    }

    #[test]
    fn a_problem_is_never_stored_and_busy_says_when_to_retry() {
        let (status, headers, body) = problem(&ProxyError::Busy { retry_after_seconds: 1 });
        assert_eq!(status, 503);
        assert_eq!(get(&headers, "content-type"), Some("application/problem+json"));
        assert_eq!(get(&headers, "cache-control"), Some("no-store"));
        assert_eq!(get(&headers, "retry-after"), Some("1"));
        assert!(String::from_utf8_lossy(&body).contains("\"status\":503"));
        assert_eq!(get(&problem(&ProxyError::NotAnImage).1, "retry-after"), None);
        assert_eq!(get(&redirect("/a.jpg"), "location"), Some("/a.jpg"));
        assert_eq!(get(&preflight(Some("range")), "access-control-allow-headers"), Some("range"));
    }
}
