//! What pages on other origins need to use answers: CORS and `Timing-Allow-Origin` on images
//! and errors alike, `Cross-Origin-Resource-Policy`, `Content-Disposition`, and preflights
//! answered 204.

use crate::harness::worker::request;

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn answers_are_usable_from_other_origins() {
    // A page on another local origin: wrangler dev itself refuses non-local Origin headers
    // ("403 Invalid Origin header"), a protection of the local runtime, not of the Worker.
    let page = [("Origin", "http://localhost:3000")];
    let image = request("GET", "/cdn-cgi/image/width=50,format=png/samples/landscape.jpg", &page);
    assert_eq!(image.status, 200);
    assert_eq!(image.header("access-control-allow-origin"), Some("*"));
    assert_eq!(image.header("timing-allow-origin"), Some("*"));
    assert_eq!(image.header("cross-origin-resource-policy"), Some("cross-origin"));
    assert_eq!(image.header("content-disposition"), Some("inline; filename=\"landscape.png\""));
    assert!(image.header("access-control-expose-headers").unwrap_or("").contains("Server-Timing"));

    let problem = request("GET", "/cdn-cgi/image/width=0/samples/landscape.jpg", &page);
    assert_eq!(problem.status, 400);
    assert_eq!(problem.header("access-control-allow-origin"), Some("*"), "scripts can read errors too");

    let preflight = request(
        "OPTIONS",
        "/cdn-cgi/image/width=50/samples/landscape.jpg",
        &[
            ("Origin", "http://localhost:3000"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "x-custom"),
        ],
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    assert_eq!(preflight.header("access-control-allow-methods"), Some("GET, HEAD, POST, OPTIONS"));
    assert_eq!(preflight.header("access-control-allow-headers"), Some("x-custom"));
}
