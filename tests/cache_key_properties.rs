//! Properties of the edge-cache key over many generated requests: every spelling of one
//! request (option order, aliases, `dpr`, source URL case and default port) shares one key,
//! and requests that differ never share one. Options are drawn from the published
//! reference table, so a new option is covered as soon as it is listed there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;

use edge_image_proxy::cache_key::CacheKey;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::{TransformOptions, Values};
use edge_image_proxy::reference::{reference, OptionDoc};
use edge_image_proxy::route::{route, Route};
use edge_image_proxy::security::DEFAULT_CPU_BUDGET_MS;

/// A small deterministic generator (xorshift64*), so failures repeat.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A valid value for `option`, as a URL would spell it.
fn value(draw: &mut Draw, option: &OptionDoc) -> String {
    match &option.values {
        Values::Integer { words, .. } if !words.is_empty() && draw.chance(30) => {
            words[draw.below(words.len())].to_string()
        }
        Values::Integer { min, max, .. } => {
            (u64::from(*min) + draw.next() % u64::from(max - min + 1)).to_string()
        }
        Values::Number { min, max } => {
            // Steps of 0.25 stay exact in binary and in the canonical decimal form.
            let steps = ((max - min) / 0.25) as u64;
            format!("{}", min + 0.25 * (draw.next() % (steps + 1)) as f64)
        }
        Values::OneOf { values } => values[draw.below(values.len())].to_string(),
        Values::Text { examples } => examples[draw.below(examples.len())].to_string(),
        Values::Unsupported => unreachable!("{} is refused whatever its value", option.name),
    }
}

/// Which way of trimming a pair asks for, if any: `trim=top;right;bottom;left`, the `trim.*`
/// window, or a border. They cannot be combined, so a request keeps the first drawn.
fn trim_way(name: &str, value: &str) -> Option<&'static str> {
    match name {
        "trim" if value == "border" => Some("border"),
        "trim" => Some("sides"),
        _ if name.starts_with("trim.border.") => Some("border"),
        _ if name.starts_with("trim.") => Some("window"),
        _ => None,
    }
}

/// A random request: some options in random order, each under a random one of its names.
fn request(draw: &mut Draw, options: &[OptionDoc]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut trimming = None;
    for option in options {
        if draw.chance(35) {
            let names: Vec<&str> =
                std::iter::once(option.name).chain(option.aliases.iter().copied()).collect();
            let (name, value) = (names[draw.below(names.len())].to_string(), value(draw, option));
            if let Some(way) = trim_way(&name, &value) {
                if *trimming.get_or_insert(way) != way {
                    continue;
                }
            }
            pairs.push((name, value));
        }
    }
    for i in (1..pairs.len()).rev() {
        pairs.swap(i, draw.below(i + 1));
    }
    pairs
}

fn parse(pairs: &[(String, String)]) -> TransformOptions {
    TransformOptions::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .unwrap_or_else(|e| panic!("{pairs:?}: {e}"))
}

/// Every option is a `name=value` of the canonical form, which must parse back to itself.
fn reparse(canonical: &str) -> TransformOptions {
    let pairs: Vec<(String, String)> = canonical
        .split(',')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect();
    parse(&pairs)
}

const SOURCES: [&str; 4] = [
    "/photos/cat.jpg",
    "/photos/cat.JPG",
    "https://img.example.com/a.png",
    "https://img.example.com/a.png?v=2",
];

fn key(source: &str, options: &str) -> CacheKey {
    let path = format!("/cdn-cgi/image/{options}/{source}");
    let Ok(Route::Image(image)) = route(&path, None) else { panic!("{path}") };
    let format = FormatRequest::new(&image.options, None);
    CacheKey::new(&image.source, &image.options, "", format, DEFAULT_CPU_BUDGET_MS)
}

#[test]
fn the_canonical_form_is_one_to_one() {
    // Cloudflare's options the proxy refuses make no request.
    let options: Vec<OptionDoc> = reference().options.into_iter().filter(|option| option.supported).collect();
    let mut draw = Draw(0x9E37_79B9_7F4A_7C15);
    let mut seen: HashMap<String, String> = HashMap::new();
    for _ in 0..20_000 {
        let pairs = request(&mut draw, &options);
        // Valid values can still make an invalid request (a width times dpr over the
        // maximum): the parser refuses those, and they have no key.
        let Ok(parsed) = TransformOptions::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        else {
            continue;
        };
        let canonical = parsed.canonical();
        // Parsing the canonical form gives the same options: distinct options cannot share
        // a canonical form, hence never a key.
        assert_eq!(reparse(&canonical), parsed, "{pairs:?} -> {canonical}");
        // Any order and any alias of the same pairs is the same request.
        let mut shuffled = pairs.clone();
        shuffled.reverse();
        assert_eq!(parse(&shuffled).canonical(), canonical);
        let source = SOURCES[draw.below(SOURCES.len())];
        let path = key(source, if canonical.is_empty() { "width=1" } else { &canonical }).path();
        let request = format!("{source} {canonical}");
        if let Some(earlier) = seen.insert(path.clone(), request.clone()) {
            assert_eq!(earlier, request, "two different requests share the key {path}");
        }
    }
    assert!(seen.len() > 10_000, "the generator covers many distinct requests: {}", seen.len());
}

#[test]
fn spellings_of_a_source_share_a_key_and_sources_do_not() {
    let same = [
        "https://IMG.example.com/a.png",
        "https://img.example.com:443/a.png",
        "https://img.example.com/%61.png",
        "https://img.example.com/a.png",
    ];
    let keys: Vec<String> = same.iter().map(|source| key(source, "width=100").path()).collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "{same:?} -> {keys:?}");
    let different = [
        "https://img.example.com/a.png",
        "https://img.example.com/A.png",
        "http://img.example.com/a.png",
        "https://img.example.com:8443/a.png",
        "https://img.example.com/a.png?v=1",
        "https://img.example.org/a.png",
        "/a.png",
    ];
    let mut keys: Vec<String> = different.iter().map(|source| key(source, "width=100").path()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), different.len(), "each source its own key");
}
