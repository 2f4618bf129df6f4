//! Every limit and switch of the proxy, read once from the Worker's `[vars]` into [`Config`].
//!
//! Values arrive as strings; [`Config::from_vars`] parses and validates them all, so the rest
//! of the code never sees a bad value. An invalid value is reported with the variable's name.

use std::time::Duration;

use url::Url;

use crate::browser::CorsOrigins;
use crate::error::ConfigError;
use crate::options::{overlay_gravity, Anchor, Gravity, Placement, Size, MAX_DIMENSION};
use crate::route::{Source, Watermark};
use crate::security::{Policy, SigningKeys, SourcePolicy, DEFAULT_CPU_BUDGET_MS};

/// One mebibyte, the unit most byte limits are thought in.
const MIB: u64 = 1024 * 1024;

/// The proxy's validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// What the security gate enforces: allowed sources, the origin, signatures and the
    /// limits a URL may ask for.
    pub security: Policy,
    /// Sources up to this size are transformed; larger ones pass through untouched
    /// (`TRANSFORM_MAX_BYTES`). Default: 5 MiB.
    pub transform_max_bytes: u64,
    /// Responses up to this size are stored in the edge cache (`CACHE_MAX_BYTES`).
    /// Default: 5 MiB.
    pub cache_max_bytes: u64,
    /// The largest image, in pixels, that is decoded or produced (`MAX_SOURCE_PIXELS`).
    /// Default: [`DEFAULT_MAX_SOURCE_PIXELS`].
    pub max_source_pixels: u64,
    /// How long the upstream may take to answer with headers (`UPSTREAM_TIMEOUT_MS`).
    /// Default: 10 s.
    pub upstream_timeout: Duration,
    /// How long transformed images stay in the edge cache (`CACHE_TTL_SECONDS`).
    /// Default: one day.
    pub cache_ttl_seconds: u32,
    /// The shortest edge-cache TTL an origin's `max-age` is raised to
    /// (`CACHE_TTL_MIN_SECONDS`). Default: one minute.
    pub cache_ttl_min_seconds: u32,
    /// The longest edge-cache TTL an origin's `max-age` is cut to (`CACHE_TTL_MAX_SECONDS`).
    /// Default: one year.
    pub cache_ttl_max_seconds: u32,
    /// Which pages may read answers (`CORS_ALLOW_ORIGINS`). Default: any (`*`).
    pub cors_allow_origins: CorsOrigins,
    /// How long an upstream body may go without sending a byte before it is cut
    /// (`UPSTREAM_IDLE_TIMEOUT_MS`). Default: 10 s. `None` (`0`): no idle timeout, and then,
    /// without `PASSTHROUGH_MAX_BYTES` either, a pass-through body goes from the upstream to
    /// the client natively, without the guard's JavaScript pump (less than half its CPU).
    pub upstream_idle_timeout: Option<Duration>,
    /// Bytes all concurrent requests of an isolate may hold in Wasm memory together
    /// (`BUFFER_BUDGET_BYTES`, at least `TRANSFORM_MAX_BYTES`). Default:
    /// [`DEFAULT_BUFFER_BUDGET_BYTES`].
    pub buffer_budget_bytes: u64,
    /// The bearer token `POST /purge` requires (`PURGE_TOKEN`, a secret of at least 16
    /// bytes). Default: none, and purging is off.
    pub purge_token: Option<String>,
}

/// Default for [`Config::buffer_budget_bytes`]: 80 MiB.
///
/// The arithmetic against the 128 MB isolate, which holds everything: the runtime's own
/// objects and the JavaScript heap take about 16 MB; the compiled module (2.5 MB of Wasm)
/// about 8 MB; cache stores in flight hold their bodies in the JavaScript heap (a few MB in
/// practice). What is left is a little over 96 MiB, and 16 MiB of it stays as margin for
/// what the budget's estimates miss (allocator fragmentation, small allocations): 80 MiB.
/// That fits one 16 Mpx RGB decode (48 MiB, see [`DEFAULT_MAX_SOURCE_PIXELS`]) next to a
/// 5 MiB source and a dozen everyday transforms.
pub const DEFAULT_BUFFER_BUDGET_BYTES: u64 = 80 * MIB;

/// Default for [`Config::max_source_pixels`]: 16 Mpx (for instance 4896×3264, a 16 MP photo).
///
/// The arithmetic against the 128 MB isolate: a decoded image is held at 4 bytes a pixel at
/// worst (RGBA8), so 16 Mpx is 64 MiB. Downscaling adds an intermediate of at most
/// `target width × source height` pixels and the output, both small next to the source; the
/// compressed source is at most 5 MiB. That leaves about half the isolate for the JavaScript
/// heap and a second, smaller request. Larger photos wait for shrink-on-load decoding.
pub const DEFAULT_MAX_SOURCE_PIXELS: u64 = 16 * 1024 * 1024;

impl Default for Config {
    fn default() -> Self {
        Config {
            security: Policy::default(),
            transform_max_bytes: 5 * MIB,
            cache_max_bytes: 5 * MIB,
            max_source_pixels: DEFAULT_MAX_SOURCE_PIXELS,
            upstream_timeout: Duration::from_millis(10_000),
            cache_ttl_seconds: 86_400,
            cache_ttl_min_seconds: 60,
            cache_ttl_max_seconds: 31_536_000,
            cors_allow_origins: CorsOrigins::Any,
            upstream_idle_timeout: Some(Duration::from_millis(10_000)),
            buffer_budget_bytes: DEFAULT_BUFFER_BUDGET_BYTES,
            purge_token: None,
        }
    }
}

impl Config {
    /// Builds the configuration from a lookup of variable names to values; a variable that is
    /// absent or empty takes its default.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let defaults = Config::default();
        let cors_allow_origins = match get("CORS_ALLOW_ORIGINS") {
            Some(list) => CorsOrigins::parse(&list)
                .map_err(|problem| ConfigError { var: "CORS_ALLOW_ORIGINS", problem })?,
            None => defaults.cors_allow_origins,
        };
        let (cache_ttl_min_seconds, cache_ttl_max_seconds) = ttl_bounds(&get)?;
        let (transform_max_bytes, buffer_budget_bytes) = memory(&get)?;
        let purge_token = get("PURGE_TOKEN").map(|token| token.trim().to_string());
        if purge_token.as_ref().is_some_and(|token| token.len() < 16) {
            return Err(ConfigError { var: "PURGE_TOKEN", problem: "must be at least 16 bytes".into() });
        }
        Ok(Config {
            security: policy(&get)?,
            purge_token,
            buffer_budget_bytes,
            upstream_idle_timeout: match number(&get, "UPSTREAM_IDLE_TIMEOUT_MS", 10_000, 0..=300_000)? {
                0 => None,
                millis => Some(Duration::from_millis(millis)),
            },
            cors_allow_origins,
            transform_max_bytes,
            cache_max_bytes: number(&get, "CACHE_MAX_BYTES", defaults.cache_max_bytes, 0..=512 * MIB)?,
            max_source_pixels: number(
                &get,
                "MAX_SOURCE_PIXELS",
                defaults.max_source_pixels,
                1..=100_000_000,
            )?,
            upstream_timeout: Duration::from_millis(number(
                &get,
                "UPSTREAM_TIMEOUT_MS",
                10_000,
                1..=300_000,
            )?),
            cache_ttl_seconds: seconds(&get, "CACHE_TTL_SECONDS", defaults.cache_ttl_seconds)?,
            cache_ttl_min_seconds,
            cache_ttl_max_seconds,
        })
    }
}

impl Config {
    /// The configuration of a Worker that has (`present`) or lacks the `SOURCE_BUCKET` R2
    /// binding, from which relative sources are then read. A binding is not a variable, so
    /// the edge tells; `ORIGIN_URL` names another place for the same paths, and both at once
    /// would leave it unclear where a path is read from.
    pub fn with_source_bucket(mut self, present: bool) -> Result<Config, ConfigError> {
        if present && self.security.origin_url.is_some() {
            return Err(ConfigError {
                var: "ORIGIN_URL",
                problem: "is set, and so is the SOURCE_BUCKET binding: relative sources are read from one"
                    .into(),
            });
        }
        self.security.source_bucket = present;
        Ok(self)
    }
}

/// `CACHE_TTL_MIN_SECONDS` and `CACHE_TTL_MAX_SECONDS`, the least at most the most.
fn ttl_bounds(get: &impl Fn(&str) -> Option<String>) -> Result<(u32, u32), ConfigError> {
    let defaults = Config::default();
    let min = seconds(get, "CACHE_TTL_MIN_SECONDS", defaults.cache_ttl_min_seconds)?;
    let max = seconds(get, "CACHE_TTL_MAX_SECONDS", defaults.cache_ttl_max_seconds)?;
    if min > max {
        return Err(ConfigError {
            var: "CACHE_TTL_MIN_SECONDS",
            problem: format!("{min} is more than CACHE_TTL_MAX_SECONDS ({max})"),
        });
    }
    Ok((min, max))
}

/// `TRANSFORM_MAX_BYTES` and `BUFFER_BUDGET_BYTES`, which must hold at least one source.
fn memory(get: &impl Fn(&str) -> Option<String>) -> Result<(u64, u64), ConfigError> {
    let defaults = Config::default();
    let transform_max_bytes =
        number(get, "TRANSFORM_MAX_BYTES", defaults.transform_max_bytes, 1..=256 * MIB)?;
    let budget = number(get, "BUFFER_BUDGET_BYTES", defaults.buffer_budget_bytes, 1..=4096 * MIB)?;
    if budget < transform_max_bytes {
        return Err(ConfigError {
            var: "BUFFER_BUDGET_BYTES",
            problem: format!(
                "{budget} is less than TRANSFORM_MAX_BYTES ({transform_max_bytes}): no source could be read whole"
            ),
        });
    }
    Ok((transform_max_bytes, budget))
}

/// The security gate's variables: `ALLOWED_SOURCES`, `ORIGIN_URL`, `SIGNING_KEY(S)`,
/// `MAX_OUTPUT_DIMENSION`, `MAX_DPR`, `ALLOWED_WIDTHS`, `ALLOWED_QUALITIES` and
/// `PASSTHROUGH_MAX_BYTES`.
fn policy(get: &impl Fn(&str) -> Option<String>) -> Result<Policy, ConfigError> {
    let defaults = Policy::default();
    let allowed_sources = match get("ALLOWED_SOURCES") {
        Some(list) => {
            SourcePolicy::parse(&list).map_err(|problem| ConfigError { var: "ALLOWED_SOURCES", problem })?
        }
        None => defaults.allowed_sources,
    };
    let origin_url = get("ORIGIN_URL").map(|raw| parse_origin(&raw)).transpose()?;
    let signing_keys = SigningKeys::parse(get("SIGNING_KEY").as_deref(), get("SIGNING_KEYS").as_deref())
        .map_err(|problem| ConfigError { var: "SIGNING_KEY", problem })?;
    let max_output_dimension = number(
        get,
        "MAX_OUTPUT_DIMENSION",
        defaults.max_output_dimension.into(),
        1..=crate::options::MAX_DIMENSION.into(),
    )?;
    let max_dpr_thousandths = max_dpr(get, defaults.max_dpr_thousandths)?;
    Ok(Policy {
        allowed_sources,
        origin_url,
        source_bucket: false,
        signing_keys,
        // Within 1..=MAX_DIMENSION, checked just above.
        max_output_dimension: u32::try_from(max_output_dimension).unwrap_or(crate::options::MAX_DIMENSION),
        max_dpr_thousandths,
        allowed_widths: get("ALLOWED_WIDTHS")
            .map(|list| whole_numbers("ALLOWED_WIDTHS", &list))
            .transpose()?,
        allowed_qualities: get("ALLOWED_QUALITIES")
            .map(|list| whole_numbers("ALLOWED_QUALITIES", &list))
            .transpose()?,
        passthrough_max_bytes: match number(get, "PASSTHROUGH_MAX_BYTES", 0, 0..=u64::MAX)? {
            0 => None,
            limit => Some(limit),
        },
        watermark: watermark(get)?,
        cpu_budget_ms: number(get, "CPU_BUDGET_MS", DEFAULT_CPU_BUDGET_MS, 1..=300_000)?,
    })
}

/// The `WATERMARK_*` variables that only mean something with `WATERMARK_SOURCE`.
const WATERMARK_SETTINGS: [&str; 6] = [
    "WATERMARK_OPACITY",
    "WATERMARK_GRAVITY",
    "WATERMARK_MARGIN",
    "WATERMARK_WIDTH",
    "WATERMARK_MIN_WIDTH",
    "WATERMARK_UNTOUCHED",
];

/// The configured watermark: `WATERMARK_SOURCE` (a path or an allowed URL), drawn at
/// `WATERMARK_OPACITY` (0–1, default 1), `WATERMARK_GRAVITY` (a side or `XxY`, default `1x1`,
/// the bottom-right corner) `WATERMARK_MARGIN` pixels from the edges (default 10),
/// `WATERMARK_WIDTH` wide (a fraction of the output's width, 0–1; default its own width), on
/// outputs at least `WATERMARK_MIN_WIDTH` wide (default 0), and on sources that need nothing
/// else when `WATERMARK_UNTOUCHED` is `transform` (default `keep`: served as they are).
fn watermark(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Watermark>, ConfigError> {
    let Some(raw) = get("WATERMARK_SOURCE") else {
        return match WATERMARK_SETTINGS.iter().find(|var| get(var).is_some()) {
            Some(var) => Err(ConfigError { var, problem: "is set without WATERMARK_SOURCE".into() }),
            None => Ok(None),
        };
    };
    let source = Source::parse(raw.trim())
        .map_err(|err| ConfigError { var: "WATERMARK_SOURCE", problem: err.public_detail() })?;
    let fraction = |var: &'static str| -> Result<Option<f64>, ConfigError> {
        let Some(raw) = get(var) else { return Ok(None) };
        match raw.trim().parse::<f64>() {
            Ok(value) if (0.0..=1.0).contains(&value) => Ok(Some(value)),
            _ => Err(ConfigError { var, problem: format!("{raw:?} is not a number from 0 to 1") }),
        }
    };
    // Both fractions are in 0..=1 after the check, so the casts are exact.
    let opacity = fraction("WATERMARK_OPACITY")?.map_or(1000, |o| (o * 1000.0).round() as u16);
    let width =
        fraction("WATERMARK_WIDTH")?.map(|w| Size::OfOutputWidth(((w * 10_000.0).round() as u16).max(1)));
    let gravity = match get("WATERMARK_GRAVITY") {
        Some(raw) => overlay_gravity(raw.trim())
            .map_err(|err| ConfigError { var: "WATERMARK_GRAVITY", problem: err.public_detail() })?,
        None => Gravity::Point { x: 1000, y: 1000 },
    };
    let margin =
        u32::try_from(number(get, "WATERMARK_MARGIN", 10, 0..=u64::from(MAX_DIMENSION))?).unwrap_or(0);
    let min_width =
        u32::try_from(number(get, "WATERMARK_MIN_WIDTH", 0, 0..=u64::from(MAX_DIMENSION))?).unwrap_or(0);
    let on_untouched = match get("WATERMARK_UNTOUCHED").as_deref().map(str::trim) {
        None | Some("keep") => false,
        Some("transform") => true,
        Some(other) => {
            return Err(ConfigError {
                var: "WATERMARK_UNTOUCHED",
                problem: format!("{other:?} is neither keep nor transform"),
            })
        }
    };
    let place =
        Placement { opacity, width, anchor: Anchor::Gravity { gravity, margin }, ..Placement::default() };
    Ok(Some(Watermark { source, place, min_width, on_untouched }))
}

/// `MAX_DPR`, a decimal from 1 to 4, in thousandths.
fn max_dpr(get: &impl Fn(&str) -> Option<String>, default: u16) -> Result<u16, ConfigError> {
    let Some(raw) = get("MAX_DPR") else { return Ok(default) };
    match raw.trim().parse::<f64>() {
        // In 1000..=4000 after the range check.
        Ok(dpr) if (1.0..=4.0).contains(&dpr) => Ok((dpr * 1000.0).round() as u16),
        _ => Err(ConfigError { var: "MAX_DPR", problem: format!("{raw:?} is not a number from 1 to 4") }),
    }
}

/// A duration in whole seconds, from 1 s to one year.
fn seconds(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u32,
) -> Result<u32, ConfigError> {
    let value = number(get, var, u64::from(default), 1..=31_536_000)?;
    // The range above is far inside u32.
    Ok(u32::try_from(value).unwrap_or(u32::MAX))
}

/// Parses a whole number within `range`, or takes `default` when the variable is unset.
fn number(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let Some(raw) = get(var) else { return Ok(default) };
    let value: u64 = raw
        .trim()
        .parse()
        .map_err(|_| ConfigError { var, problem: format!("{raw:?} is not a whole number") })?;
    if !range.contains(&value) {
        return Err(ConfigError {
            var,
            problem: format!("{value} is outside {}..={}", range.start(), range.end()),
        });
    }
    Ok(value)
}

/// A comma-separated list of whole numbers, such as `320, 640, 1280`.
fn whole_numbers<T: std::str::FromStr>(var: &'static str, list: &str) -> Result<Vec<T>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse()
                .map_err(|_| ConfigError { var, problem: format!("{item:?} is not a whole number in range") })
        })
        .collect()
}

fn parse_origin(raw: &str) -> Result<Url, ConfigError> {
    let problem = |problem: String| ConfigError { var: "ORIGIN_URL", problem };
    let url = Url::parse(raw.trim()).map_err(|e| problem(format!("{raw:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(problem(format!("{raw:?} must be an http(s) URL with a host")));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watermark_is_read_whole_or_refused_by_name() {
        let vars = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> =
                pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            Config::from_vars(move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        };
        assert_eq!(vars(&[]).expect("valid").security.watermark, None);
        let config = vars(&[
            ("WATERMARK_SOURCE", "/wm.png"),
            ("WATERMARK_OPACITY", "0.4"),
            ("WATERMARK_GRAVITY", "0x1"),
            ("WATERMARK_WIDTH", "0.25"),
            ("WATERMARK_MIN_WIDTH", "320"),
            ("WATERMARK_UNTOUCHED", "transform"),
        ])
        .expect("valid");
        let watermark = config.security.watermark.expect("configured");
        assert_eq!(watermark.place.opacity, 400);
        assert_eq!(watermark.place.width, Some(Size::OfOutputWidth(2500)));
        assert_eq!(
            watermark.place.anchor,
            Anchor::Gravity { gravity: Gravity::Point { x: 0, y: 1000 }, margin: 10 }
        );
        assert_eq!((watermark.min_width, watermark.on_untouched), (320, true));
        for (pairs, var) in [
            (vec![("WATERMARK_OPACITY", "0.5")], "WATERMARK_OPACITY"),
            (vec![("WATERMARK_SOURCE", "/wm.png"), ("WATERMARK_OPACITY", "2")], "WATERMARK_OPACITY"),
            (vec![("WATERMARK_SOURCE", "/wm.png"), ("WATERMARK_GRAVITY", "auto")], "WATERMARK_GRAVITY"),
            (vec![("WATERMARK_SOURCE", "/wm.png"), ("WATERMARK_UNTOUCHED", "yes")], "WATERMARK_UNTOUCHED"),
            (vec![("WATERMARK_SOURCE", "//evil.example/wm.png")], "WATERMARK_SOURCE"),
        ] {
            assert_eq!(vars(&pairs).expect_err("invalid").var, var, "{pairs:?}");
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let owned: Vec<(String, String)> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| owned.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let config = Config::from_vars(vars(&[])).expect("defaults are valid");
        assert_eq!(config.transform_max_bytes, 5 * MIB);
        assert_eq!(config.cache_max_bytes, 5 * MIB);
        assert_eq!(config.upstream_timeout, Duration::from_secs(10));
        assert!(config.security.origin_url.is_none());
        assert_eq!(config.security.passthrough_max_bytes, None, "no pass-through limit unless set");
        assert_eq!(config.buffer_budget_bytes, 80 * MIB);
        assert_eq!(config.security.cpu_budget_ms, 30_000, "the Paid plan's default CPU limit");
    }

    #[test]
    fn reads_every_variable() {
        let config = Config::from_vars(vars(&[
            ("TRANSFORM_MAX_BYTES", "1000"),
            ("CACHE_MAX_BYTES", "2000"),
            ("MAX_SOURCE_PIXELS", "3000"),
            ("UPSTREAM_TIMEOUT_MS", "1500"),
            ("CACHE_TTL_SECONDS", "60"),
            ("ORIGIN_URL", "https://images.example.com/base/"),
            ("ALLOWED_SOURCES", "example.com"),
            ("UPSTREAM_IDLE_TIMEOUT_MS", "700"),
            ("PASSTHROUGH_MAX_BYTES", "9000"),
            ("BUFFER_BUDGET_BYTES", "4000"),
            ("CPU_BUDGET_MS", "10"),
        ]))
        .expect("valid");
        assert_eq!(config.transform_max_bytes, 1000);
        assert_eq!(config.cache_max_bytes, 2000);
        assert_eq!(config.max_source_pixels, 3000);
        assert_eq!(config.upstream_timeout, Duration::from_millis(1500));
        assert_eq!(config.cache_ttl_seconds, 60);
        assert_eq!(config.upstream_idle_timeout, Some(Duration::from_millis(700)));
        assert_eq!(config.security.passthrough_max_bytes, Some(9000));
        assert_eq!(config.buffer_budget_bytes, 4000);
        assert_eq!(config.security.cpu_budget_ms, 10);
        assert_eq!(
            config.security.origin_url.map(String::from).as_deref(),
            Some("https://images.example.com/base/")
        );
    }

    #[test]
    fn an_idle_timeout_of_zero_means_none() {
        // Test-only `expect`: fixed variables, not deployment input.
        let config = Config::from_vars(vars(&[("UPSTREAM_IDLE_TIMEOUT_MS", "0")])).expect("valid");
        assert_eq!(config.upstream_idle_timeout, None);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = Config::from_vars(vars(&[("TRANSFORM_MAX_BYTES", "five")])).unwrap_err();
        assert_eq!(err.var, "TRANSFORM_MAX_BYTES");
        assert!(err.to_string().contains("\"five\" is not a whole number"), "{err}");

        let err = Config::from_vars(vars(&[("UPSTREAM_TIMEOUT_MS", "0")])).unwrap_err();
        assert_eq!(err.var, "UPSTREAM_TIMEOUT_MS");

        let err = Config::from_vars(vars(&[("ORIGIN_URL", "ftp://x")])).unwrap_err();
        assert_eq!(err.var, "ORIGIN_URL");

        let err = Config::from_vars(vars(&[("ALLOWED_SOURCES", "exa mple.com")])).unwrap_err();
        assert_eq!(err.var, "ALLOWED_SOURCES");

        let err =
            Config::from_vars(vars(&[("CACHE_TTL_MIN_SECONDS", "600"), ("CACHE_TTL_MAX_SECONDS", "60")]))
                .unwrap_err();
        assert_eq!(err.var, "CACHE_TTL_MIN_SECONDS");

        let err = Config::from_vars(vars(&[("CORS_ALLOW_ORIGINS", "example.com")])).unwrap_err();
        assert_eq!(err.var, "CORS_ALLOW_ORIGINS");

        let err =
            Config::from_vars(vars(&[("BUFFER_BUDGET_BYTES", "1000"), ("TRANSFORM_MAX_BYTES", "2000")]))
                .unwrap_err();
        assert_eq!(err.var, "BUFFER_BUDGET_BYTES", "a budget smaller than one source is useless");

        for over in ["0", "300001"] {
            let err = Config::from_vars(vars(&[("CPU_BUDGET_MS", over)])).unwrap_err();
            assert_eq!(err.var, "CPU_BUDGET_MS", "{over}: the Paid plan's ceiling is 5 minutes");
        }

        let err = Config::from_vars(vars(&[("PURGE_TOKEN", "short")])).unwrap_err();
        assert_eq!(err.var, "PURGE_TOKEN");
    }

    #[test]
    fn a_source_bucket_reads_paths_unless_origin_url_claims_them() {
        let bucket = Config::from_vars(vars(&[])).and_then(|c| c.with_source_bucket(true)).expect("valid");
        assert!(bucket.security.source_bucket);
        let none = Config::from_vars(vars(&[])).and_then(|c| c.with_source_bucket(false)).expect("valid");
        assert!(!none.security.source_bucket);
        let both = Config::from_vars(vars(&[("ORIGIN_URL", "https://images.example.com")]))
            .and_then(|c| c.with_source_bucket(true))
            .unwrap_err();
        assert_eq!(both.var, "ORIGIN_URL");
    }
}
