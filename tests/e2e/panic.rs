//! Panic recovery: the Worker built with a `/debug/panic` route (`make build-panic`) answers
//! normally after each panic; release builds have no such route.

use crate::harness::worker::{self, get};

#[test]
#[ignore = "needs the built Worker in wrangler dev: run by make test"]
fn a_panic_leaves_the_worker_serving() {
    // Release builds have no such route: the path is just a missing static file.
    assert_eq!(get("/debug/panic").status, 404);
    let worker = worker::panic_harness();
    let image = "/cdn-cgi/image/width=40/samples/landscape.jpg";
    assert_eq!(worker.request("GET", image, &[]).status, 200);
    for round in 0..3 {
        let panicked = worker.request("GET", "/debug/panic", &[]);
        assert!(panicked.status >= 500, "round {round}: the panic is a 5xx, got {}", panicked.status);
        // workers-rs (0.8, without --panic-unwind) marks the Wasm instance as failed and
        // reinitialises it before the next request.
        let next = worker.request("GET", image, &[]);
        assert_eq!(next.status, 200, "round {round}: served after the panic");
        assert_eq!(next.image().width(), 40);
        let options = worker.request("GET", "/cdn-cgi/image/width=33,format=png/samples/disc.png", &[]);
        assert_eq!(options.image().width(), 33, "round {round}: a second request too");
    }
}
