// sharp (native libvips), the native reference, behind the same HTTP shape as the Workers so
// its numbers include the same hops: fetch the source, transform, answer. Runs as its own
// process; usage: node sharp-server.mjs. Prints {"port": n} once listening.
//   /?url=<source>&width=<px>&format=jpeg|webp|png&quality=<1-100>
import { createServer } from "node:http";
import sharp from "sharp";

// As in sharp's own benchmark: one libvips thread per operation, and no operation cache
// (a cached result would skip the work the others do).
sharp.concurrency(1);
sharp.cache(false);

const server = createServer(async (request, response) => {
  const params = new URL(request.url, "http://sharp").searchParams;
  try {
    const source = await fetch(params.get("url"));
    if (!source.ok) {
      response.writeHead(502).end(`upstream answered ${source.status}`);
      return;
    }
    const input = Buffer.from(await source.arrayBuffer());
    const format = params.get("format");
    const body = await encode(sharp(input).resize({ width: Number(params.get("width")), kernel: "lanczos3" }), format, Number(params.get("quality")))
      .toBuffer();
    response.writeHead(200, { "Content-Type": `image/${format}`, "Content-Length": body.length });
    response.end(body);
  } catch (error) {
    response.writeHead(500).end(`sharp failed: ${error}`);
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ port: server.address().port }));
});

function encode(pipeline, format, quality) {
  switch (format) {
    case "jpeg":
      return pipeline.jpeg({ quality });
    case "webp":
      return pipeline.webp({ quality });
    case "png":
      return pipeline.png();
    default:
      throw new Error(`format ${format} is not benchmarked`);
  }
}
