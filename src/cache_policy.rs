//! Whether a transformed image may be stored in the edge cache, for how long, and what
//! `Cache-Control` the client is sent — from the origin's own caching headers and the limits
//! in [`Config`].
//!
//! The origin's word wins: `no-store`, `private` or a `Set-Cookie` keep the answer out of our
//! cache (and out of shared caches downstream); `no-cache` lets it be stored, but revalidated
//! with the origin before every use, and clients are told the same. Otherwise the TTL is the
//! origin's `s-maxage` or `max-age`, clamped to `CACHE_TTL_MIN_SECONDS..=CACHE_TTL_MAX_SECONDS`
//! (a number too large for any clock is clamped too), or `CACHE_TTL_SECONDS` when the origin
//! says nothing. Error answers are never stored.

use crate::config::Config;
use crate::etag::Validators;

/// What the origin's response headers say about caching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OriginCaching {
    /// `Cache-Control: no-store`.
    pub no_store: bool,
    /// `Cache-Control: private`.
    pub private: bool,
    /// `Cache-Control: no-cache`: may be stored, but revalidated before every use.
    pub no_cache: bool,
    /// `Cache-Control: max-age`.
    pub max_age: Option<u32>,
    /// `Cache-Control: s-maxage`, which wins over `max-age` for shared caches like ours.
    pub s_maxage: Option<u32>,
    /// The origin set a cookie: the answer is someone's, not everyone's.
    pub sets_cookie: bool,
}

impl OriginCaching {
    /// Reads the origin's `Cache-Control` header and whether it sent `Set-Cookie`.
    pub fn parse(cache_control: Option<&str>, sets_cookie: bool) -> OriginCaching {
        let mut caching = OriginCaching { sets_cookie, ..OriginCaching::default() };
        for directive in cache_control.unwrap_or("").split(',') {
            let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
            let seconds = || delta_seconds(value.trim().trim_matches('"'));
            match name.trim().to_ascii_lowercase().as_str() {
                "no-store" => caching.no_store = true,
                "private" => caching.private = true,
                "no-cache" => caching.no_cache = true,
                "max-age" => caching.max_age = seconds(),
                "s-maxage" => caching.s_maxage = seconds(),
                _ => {}
            }
        }
        caching
    }
}

/// A `delta-seconds` value (RFC 9111, 1.2.2): whole seconds, and one too large to count
/// stands for the largest there is, as the RFC asks, rather than for none.
fn delta_seconds(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(value.parse::<u32>().unwrap_or(u32::MAX))
}

/// What to do with one transformed answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// Seconds it is fresh in the edge cache; `None` when it must not be stored, `Some(0)`
    /// when it is stored but revalidated before every use (`no-cache`).
    pub ttl: Option<u32>,
    /// Seconds the edge cache keeps it: fresh, then stale but worth revalidating.
    pub keep: u32,
    /// The `Cache-Control` the client is sent.
    pub client_cache_control: String,
}

impl Storage {
    /// Stored nowhere: not in the edge cache, and `no-store` for the client and shared caches.
    pub fn nowhere() -> Storage {
        Storage { ttl: None, keep: 0, client_cache_control: "no-store".into() }
    }
}

/// How long an answer fresh for `ttl` seconds is kept: twice that, and at least a minute
/// longer, so that a stale answer can still be revalidated rather than made again.
fn keep_for(ttl: u32) -> u32 {
    ttl.saturating_mul(2).max(ttl.saturating_add(60))
}

/// Decides for an answer of `body_len` bytes whose source came with `origin`'s headers.
/// `immutable`: the URL names one version for good (it is signed and does not expire), so
/// clients need never revalidate it within its `max-age`.
pub fn storage(origin: &OriginCaching, body_len: u64, config: &Config, immutable: bool) -> Storage {
    if origin.no_store || origin.sets_cookie {
        return Storage::nowhere();
    }
    if origin.private {
        let max_age = origin.max_age.unwrap_or(0);
        return Storage { ttl: None, keep: 0, client_cache_control: format!("private, max-age={max_age}") };
    }
    let ttl = origin.s_maxage.or(origin.max_age).map_or(config.cache_ttl_seconds, |seconds| {
        seconds.clamp(config.cache_ttl_min_seconds, config.cache_ttl_max_seconds)
    });
    let fits = body_len <= config.cache_max_bytes;
    if origin.no_cache {
        let keep = keep_for(ttl);
        return Storage { ttl: fits.then_some(0), keep, client_cache_control: "no-cache".into() };
    }
    let client_cache_control = if immutable {
        format!("public, max-age={ttl}, immutable")
    } else {
        format!("public, max-age={ttl}")
    };
    Storage { ttl: fits.then_some(ttl), keep: keep_for(ttl), client_cache_control }
}

/// What the edge cache remembers about a source found too large to transform, so that the
/// next request for it streams at once instead of reading up to `TRANSFORM_MAX_BYTES` again,
/// and asks the platform's fetch cache (`cf.cacheTtl`) to keep the source near the client,
/// since our own cache never holds a pass-through body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LargeSource {
    /// The length the source declared, if it did.
    pub bytes: Option<u64>,
    /// How long the platform's fetch cache may keep the source: the TTL our own cache would
    /// give it (the origin's word, clamped), or `None` when the origin forbids storing it
    /// (`cf.cacheTtl` overrides the origin's headers, so it is only asked for when they allow).
    pub edge_ttl: Option<u32>,
}

/// Names of the mark's headers in the edge cache.
const MARK_BYTES: &str = "x-source-bytes";
const MARK_EDGE_TTL: &str = "x-edge-ttl";

impl LargeSource {
    /// The mark for a source of `bytes` (if declared) whose origin said `origin`.
    pub fn new(bytes: Option<u64>, origin: &OriginCaching, config: &Config) -> LargeSource {
        // The body's size does not count: the fetch cache, not ours, would hold it.
        // `no-cache` asks every use to be revalidated, which `cf.cacheTtl` would skip.
        LargeSource { bytes, edge_ttl: storage(origin, 0, config, false).ttl.filter(|ttl| *ttl > 0) }
    }

    /// The headers the mark is stored with at `now` (Unix seconds) for `ttl_seconds`.
    pub fn headers(&self, ttl_seconds: u32, now: u64) -> Vec<(&'static str, String)> {
        let mut headers =
            vec![("cache-control", format!("public, max-age={ttl_seconds}")), (STORED_AT, now.to_string())];
        if let Some(bytes) = self.bytes {
            headers.push((MARK_BYTES, bytes.to_string()));
        }
        if let Some(ttl) = self.edge_ttl {
            headers.push((MARK_EDGE_TTL, ttl.to_string()));
        }
        headers
    }

    /// The mark read back from its stored headers (`header` looks one up by name).
    pub fn read(header: impl Fn(&str) -> Option<String>) -> LargeSource {
        LargeSource {
            bytes: header(MARK_BYTES).and_then(|v| v.trim().parse().ok()),
            edge_ttl: header(MARK_EDGE_TTL).and_then(|v| v.trim().parse().ok()),
        }
    }
}

/// Whether an entry stored with these headers (`header` looks one up) is still kept at `now`
/// (Unix seconds): for its `Cache-Control` `max-age` after its `x-stored-at`. The Cache API
/// drops an entry at that age by itself; R2 keeps objects until deleted, so the tier asks this
/// of every entry it finds, answers and marks alike, and one stored without both reads as gone.
pub fn kept(header: impl Fn(&str) -> Option<String>, now: u64) -> bool {
    let stored_at = header(STORED_AT).and_then(|v| v.trim().parse::<u64>().ok());
    let keep = OriginCaching::parse(header("cache-control").as_deref(), false).max_age;
    match (stored_at, keep) {
        (Some(stored_at), Some(keep)) => now < stored_at.saturating_add(u64::from(keep)),
        _ => false,
    }
}

/// What is kept with a stored answer besides its bytes, in its stored headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// `Content-Type` of the answer.
    pub content_type: String,
    /// Its strong `ETag`.
    pub etag: String,
    /// Seconds it is fresh for, and the `max-age` clients are told; 0: revalidated before
    /// every use, and clients are told `no-cache`.
    pub ttl: u32,
    /// Seconds the Cache API keeps it (its stored `max-age`).
    pub keep: u32,
    /// When it was stored (or last revalidated), in Unix seconds.
    pub stored_at: u64,
    /// The source's validators, to ask the origin once the answer is stale.
    pub validators: Validators,
}

/// Names of the stored metadata headers; `x-` names are the proxy's own.
const TTL: &str = "x-fresh-seconds";
const STORED_AT: &str = "x-stored-at";
const SOURCE_ETAG: &str = "x-source-etag";
const SOURCE_LAST_MODIFIED: &str = "x-source-last-modified";

impl Stored {
    /// The metadata of a stored entry (`header` looks one of its headers up). An entry stored
    /// without `x-fresh-seconds` reads as fresh for no time, and so is revalidated or fetched
    /// again.
    pub fn read(header: impl Fn(&str) -> Option<String>) -> Stored {
        let number = |name: &str| header(name).and_then(|v| v.trim().parse::<u64>().ok());
        Stored {
            content_type: header("content-type").unwrap_or_default(),
            etag: header("etag").unwrap_or_default(),
            ttl: number(TTL).and_then(|ttl| u32::try_from(ttl).ok()).unwrap_or(0),
            keep: OriginCaching::parse(header("cache-control").as_deref(), false).max_age.unwrap_or(0),
            stored_at: number(STORED_AT).unwrap_or(0),
            validators: Validators { etag: header(SOURCE_ETAG), last_modified: header(SOURCE_LAST_MODIFIED) },
        }
    }

    /// Whether it is still fresh at `now` (Unix seconds).
    pub fn is_fresh(&self, now: u64) -> bool {
        now < self.stored_at.saturating_add(u64::from(self.ttl))
    }

    /// The conditional request headers that revalidate it; `None` when the source had no
    /// validators, and a stale entry can only be fetched again.
    pub fn conditions(&self) -> Option<Vec<(&'static str, String)>> {
        let conditions = self.validators.conditions();
        (!conditions.is_empty()).then_some(conditions)
    }

    /// The headers it is stored with; the Cache API keeps it for [`Stored::keep`] seconds.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("content-type", self.content_type.clone()),
            ("etag", self.etag.clone()),
            ("cache-control", format!("public, max-age={}", self.keep)),
            (TTL, self.ttl.to_string()),
            (STORED_AT, self.stored_at.to_string()),
        ];
        let validators =
            [(SOURCE_ETAG, &self.validators.etag), (SOURCE_LAST_MODIFIED, &self.validators.last_modified)];
        headers.extend(validators.into_iter().filter_map(|(name, value)| Some((name, value.clone()?))));
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            cache_ttl_seconds: 3600,
            cache_ttl_min_seconds: 60,
            cache_ttl_max_seconds: 86_400,
            cache_max_bytes: 1000,
            ..Config::default()
        }
    }

    fn decide(cache_control: Option<&str>, sets_cookie: bool, body_len: u64) -> Storage {
        storage(&OriginCaching::parse(cache_control, sets_cookie), body_len, &config(), false)
    }

    #[test]
    fn a_silent_origin_gets_the_default_ttl() {
        assert_eq!(
            decide(None, false, 10),
            Storage { ttl: Some(3600), keep: 7200, client_cache_control: "public, max-age=3600".into() }
        );
    }

    #[test]
    fn the_origins_ttl_is_clamped() {
        assert_eq!(decide(Some("public, max-age=600"), false, 10).ttl, Some(600));
        assert_eq!(decide(Some("max-age=5"), false, 10).ttl, Some(60), "raised to the minimum");
        assert_eq!(
            decide(Some("max-age=31536000, immutable"), false, 10).ttl,
            Some(86_400),
            "cut to the maximum"
        );
        assert_eq!(decide(Some("max-age=600, s-maxage=1200"), false, 10).ttl, Some(1200), "s-maxage wins");
        assert_eq!(decide(Some("MAX-AGE=\"700\""), false, 10).ttl, Some(700));
        for too_large in ["4294967296", "999999999999", "99999999999999999999999999"] {
            let storage = decide(Some(&format!("max-age={too_large}")), false, 10);
            assert_eq!(storage.ttl, Some(86_400), "{too_large} is cut to the maximum, not ignored");
        }
        assert_eq!(decide(Some("max-age=-1"), false, 10).ttl, Some(3600), "not a number: the default");
    }

    #[test]
    fn no_cache_is_stored_but_revalidated_before_every_use() {
        let no_cache = decide(Some("no-cache, max-age=600"), false, 10);
        assert_eq!(no_cache, Storage { ttl: Some(0), keep: 1200, client_cache_control: "no-cache".into() });
        let large = decide(Some("no-cache"), false, 1001);
        assert_eq!((large.ttl, large.client_cache_control.as_str()), (None, "no-cache"));
        let mark = LargeSource::new(Some(1), &OriginCaching::parse(Some("no-cache"), false), &config());
        assert_eq!(mark.edge_ttl, None, "the platform's cache would not revalidate it");
    }

    #[test]
    fn the_origin_can_forbid_storing() {
        let no_store = decide(Some("no-store"), false, 10);
        assert_eq!((no_store.ttl, no_store.client_cache_control.as_str()), (None, "no-store"));
        let private = decide(Some("private, max-age=300"), false, 10);
        assert_eq!((private.ttl, private.client_cache_control.as_str()), (None, "private, max-age=300"));
        let cookie = decide(Some("public, max-age=300"), true, 10);
        assert_eq!((cookie.ttl, cookie.client_cache_control.as_str()), (None, "no-store"));
    }

    #[test]
    fn large_answers_are_sent_cacheable_but_not_stored() {
        let large = decide(None, false, 1001);
        assert_eq!(large.ttl, None);
        assert_eq!(large.client_cache_control, "public, max-age=3600");
        assert_eq!(decide(None, false, 1000).ttl, Some(3600), "the limit is inclusive");
    }

    #[test]
    fn only_a_url_fixed_for_good_is_immutable() {
        let origin = OriginCaching::parse(Some("max-age=600"), false);
        assert_eq!(
            storage(&origin, 10, &config(), true).client_cache_control,
            "public, max-age=600, immutable"
        );
        assert_eq!(storage(&origin, 10, &config(), false).client_cache_control, "public, max-age=600");
        let private = OriginCaching::parse(Some("private"), false);
        assert_eq!(storage(&private, 10, &config(), true).client_cache_control, "private, max-age=0");
    }

    #[test]
    fn a_large_source_is_kept_at_the_edge_only_when_the_origin_allows() {
        let allowed =
            LargeSource::new(Some(7_000_000), &OriginCaching::parse(Some("max-age=120"), false), &config());
        assert_eq!(allowed, LargeSource { bytes: Some(7_000_000), edge_ttl: Some(120) });
        let silent = LargeSource::new(None, &OriginCaching::parse(None, false), &config());
        assert_eq!(silent.edge_ttl, Some(3600), "the default TTL");
        let clamped = LargeSource::new(None, &OriginCaching::parse(Some("max-age=5"), false), &config());
        assert_eq!(clamped.edge_ttl, Some(60), "clamped like our own entries");
        for (cache_control, cookie) in
            [(Some("no-store"), false), (Some("private, max-age=600"), false), (None, true)]
        {
            let refused = LargeSource::new(Some(1), &OriginCaching::parse(cache_control, cookie), &config());
            assert_eq!(refused.edge_ttl, None, "{cache_control:?}, cookie {cookie}");
        }
    }

    #[test]
    fn a_large_source_mark_reads_back_what_was_stored() {
        for mark in [
            LargeSource { bytes: Some(209_715_200), edge_ttl: Some(86_400) },
            LargeSource { bytes: None, edge_ttl: None },
        ] {
            let headers = mark.headers(60, 1_000);
            assert!(headers.contains(&("cache-control", "public, max-age=60".to_string())));
            let lookup = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
            assert!(kept(lookup, 1_059) && !kept(lookup, 1_060), "kept for its TTL");
            let read =
                LargeSource::read(|name| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()));
            assert_eq!(read, mark);
        }
        let damaged = LargeSource::read(|_| Some("lots".to_string()));
        assert_eq!(damaged, LargeSource { bytes: None, edge_ttl: None }, "unreadable values count as absent");
    }

    #[test]
    fn a_stored_entry_reads_back_as_it_was_stored() {
        let stored = Stored {
            content_type: "image/avif".into(),
            etag: "\"e\"".into(),
            ttl: 600,
            keep: 1_200,
            stored_at: 1_000,
            validators: Validators { etag: Some("\"v\"".into()), last_modified: None },
        };
        let headers = stored.headers();
        let lookup = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        assert_eq!(Stored::read(lookup), stored);
        assert_eq!(lookup("cache-control").as_deref(), Some("public, max-age=1200"));
        assert!(stored.is_fresh(1_599) && !stored.is_fresh(1_600));
        assert_eq!(stored.conditions(), Some(vec![("if-none-match", "\"v\"".to_string())]));
        assert_eq!((keep_for(600), keep_for(10), keep_for(u32::MAX)), (1_200, 70, u32::MAX));
        assert!(kept(lookup, 2_199) && !kept(lookup, 2_200), "kept for `keep`, fresh or not");
        let old = Stored::read(|name| (name == "content-type").then(|| "image/png".to_string()));
        assert!(
            !kept(|name| (name == "cache-control").then(|| "max-age=60".to_string()), 0),
            "no x-stored-at"
        );
        assert!(!old.is_fresh(0), "no freshness stored: stale at once");
        assert_eq!(old.conditions(), None, "nothing to revalidate with");
    }
}
