//! Any request path and query: routing and option parsing never panic, and the canonical
//! form of accepted options means the same options when parsed again (so cache keys and
//! signatures, both built from it, cannot be fooled by a spelling).
#![no_main]

use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::route::{route, Route};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (path, query) = match text.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (text, None),
    };
    for candidate in [path.to_string(), format!("/cdn-cgi/image/{path}")] {
        if let Ok(Route::Image(request)) = route(&candidate, query) {
            let canonical = request.options.canonical();
            let pairs = canonical.split(',').filter(|p| !p.is_empty()).filter_map(|p| p.split_once('='));
            let again = TransformOptions::from_pairs(pairs).expect("a canonical form parses");
            assert_eq!(again, request.options, "canonical {canonical:?} means the same options");
        }
    }
    let _ = route("/image", Some(text));
});
