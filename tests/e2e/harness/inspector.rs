//! Just enough of the DevTools protocol, over workerd's inspector port, to make V8
//! collect garbage and read its heap: RSS figures taken after a collection tell memory that
//! is still held from garbage not yet collected (V8 collects buffers late, so workerd's RSS
//! grows by a few MiB a large body and falls back at the next collection).
//!
//! A WebSocket client of a dozen lines rather than a dependency: one request and its answer,
//! text frames only. wrangler's inspector proxy refuses an upgrade without an `Origin`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// V8's heap after a full collection: (used, total) bytes.
pub fn collect_garbage(inspector_port: u16, path: &str, wake: impl Fn() + Sync) -> (u64, u64) {
    let (mut socket, mut frames) = connect(inspector_port, path);
    // workerd handles inspector messages when the isolate next runs: requests wake it
    // until the answers are in.
    let answered = AtomicBool::new(false);
    let usage = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !answered.load(Ordering::Relaxed) {
                wake();
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        send(&mut socket, r#"{"id":1,"method":"HeapProfiler.collectGarbage"}"#);
        answer(&mut frames, 1);
        send(&mut socket, r#"{"id":2,"method":"Runtime.getHeapUsage"}"#);
        let usage = answer(&mut frames, 2);
        answered.store(true, Ordering::Relaxed);
        usage
    });
    let size =
        |name: &str| usage["result"][name].as_f64().unwrap_or_else(|| panic!("{name} in {usage}")) as u64;
    (size("usedSize"), size("totalSize"))
}

/// The socket to write to, and a reader of what comes back, for the isolate at `path`.
fn connect(port: u16, path: &str) -> (TcpStream, BufReader<TcpStream>) {
    let mut socket = TcpStream::connect(("127.0.0.1", port)).expect("the inspector port");
    socket.set_read_timeout(Some(Duration::from_secs(60))).expect("a timeout");
    let upgrade = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    socket.write_all(upgrade.as_bytes()).expect("the upgrade request");
    let mut reader = BufReader::new(socket.try_clone().expect("a second handle"));
    let mut status = String::new();
    reader.read_line(&mut status).expect("the upgrade's status");
    assert!(status.contains(" 101 "), "the inspector refused the upgrade: {status}");
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("the upgrade's headers");
        if line == "\r\n" {
            break;
        }
    }
    (socket, reader)
}

/// One masked text frame (a client must mask; a zero key leaves the payload as it is).
fn send(socket: &mut TcpStream, text: &str) {
    let mut frame = vec![0x81];
    match text.len() {
        len @ 0..=125 => frame.push(0x80 | len as u8),
        len => {
            frame.push(0x80 | 126);
            frame.extend((len as u16).to_be_bytes());
        }
    }
    frame.extend([0; 4]);
    frame.extend(text.as_bytes());
    socket.write_all(&frame).expect("a frame to the inspector");
}

/// Reads frames until the answer to request `id`, skipping events.
fn answer(socket: &mut impl Read, id: u64) -> serde_json::Value {
    loop {
        let mut head = [0; 2];
        socket.read_exact(&mut head).expect("a frame from the inspector");
        let len = match head[1] & 0x7f {
            126 => {
                let mut len = [0; 2];
                socket.read_exact(&mut len).expect("a length");
                u64::from(u16::from_be_bytes(len))
            }
            127 => {
                let mut len = [0; 8];
                socket.read_exact(&mut len).expect("a length");
                u64::from_be_bytes(len)
            }
            len => u64::from(len),
        };
        let mut payload = vec![0; len as usize];
        socket.read_exact(&mut payload).expect("a frame's payload");
        if let Ok(message) = serde_json::from_slice::<serde_json::Value>(&payload) {
            if message["id"] == id {
                return message;
            }
        }
    }
}
