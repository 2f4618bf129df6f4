// The bench's origin: a plain Node HTTP server, run as its own process so that serving never
// shares an event loop with the load generator. Usage: node origin.mjs <inputs.json>
// It serves each input at /<name> from memory with Content-Length, an image Content-Type and a
// cacheable Cache-Control, ignoring the query string (the bench makes URLs unique with one),
// and /pass-through.jpg: PASS_THROUGH_BYTES made on the fly (see passThroughChunk).
// Once listening it prints {"port": n} on stdout.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname } from "node:path";
import { PASS_THROUGH_BYTES } from "./inputs.mjs";

const TYPES = { ".jpg": "image/jpeg", ".png": "image/png" };
const HEADERS = { "Cache-Control": "public, max-age=86400" };

const inputs = JSON.parse(readFileSync(process.argv[2], "utf8"));
const files = new Map(
  Object.entries(inputs).map(([name, input]) => [`/${name}`, readFileSync(input.path)]),
);
const chunk = passThroughChunk();

const server = createServer((request, response) => {
  const path = new URL(request.url, "http://origin").pathname;
  if (path === "/pass-through.jpg") {
    servePassThrough(response);
    return;
  }
  const body = files.get(path);
  if (!body) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { ...HEADERS, "Content-Type": TYPES[extname(path)], "Content-Length": body.length });
  response.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});

// 1 MiB: a JPEG start (SOI, a JFIF APP0 segment) then a fixed byte pattern. The proxy passes
// anything over TRANSFORM_MAX_BYTES through by Content-Type alone, so the bytes need not decode;
// later chunks repeat the pattern part.
function passThroughChunk() {
  const bytes = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = (i * 31 + 7) & 0xff;
  }
  const jfif = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  return { first: Buffer.concat([jfif, bytes.subarray(jfif.length)]), rest: bytes };
}

// Writes the pass-through body chunk by chunk, waiting for the socket to drain, so the
// origin never holds more than one chunk of it.
function servePassThrough(response) {
  response.writeHead(200, { ...HEADERS, "Content-Type": "image/jpeg", "Content-Length": PASS_THROUGH_BYTES });
  let sent = 0;
  const writeMore = () => {
    while (sent < PASS_THROUGH_BYTES) {
      const piece = sent === 0 ? chunk.first : chunk.rest;
      sent += piece.length;
      if (!response.write(piece)) {
        response.once("drain", writeMore);
        return;
      }
    }
    response.end();
  };
  response.on("close", () => {
    sent = PASS_THROUGH_BYTES;
  });
  writeMore();
}
