//! Any source string: parsing and the allowlist never panic; a relative source never names
//! a host; an allowed absolute source is http(s) on an allowed host and port, without
//! credentials.
#![no_main]

use edge_image_proxy::route::Source;
use edge_image_proxy::security::SourcePolicy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let Ok(policy) = SourcePolicy::parse("img.example.com, *.cdn.example.org, 127.0.0.1:9000") else {
        panic!("the fixed policy parses")
    };
    match Source::parse(raw) {
        Ok(Source::Relative(path)) => {
            assert!(path.starts_with('/') && !path.starts_with("//"), "{path:?} names no host");
        }
        Ok(Source::Absolute(url)) => {
            if policy.check(&url).is_ok() {
                assert!(matches!(url.scheme(), "http" | "https"), "{url}");
                assert!(url.username().is_empty() && url.password().is_none(), "{url}");
                // A trailing dot names the same host (the fully qualified spelling).
                let host = url.host_str().unwrap_or_default().trim_end_matches('.');
                let ok_host = host == "img.example.com"
                    || host.ends_with(".cdn.example.org")
                    || (host == "127.0.0.1" && url.port() == Some(9000));
                assert!(ok_host, "{url} passed the allowlist");
            }
        }
        Err(_) => {}
    }
});
