// @cf-wasm/photon as its README shows it in a Cloudflare Worker: fetch the bytes, decode with
// PhotonImage.new_from_byteslice, resize, encode, free. The bench calls it as
//   /?url=<source>&width=<px>&format=jpeg|webp|png&quality=<1-100>
// and reads /debug/memory for the Wasm memory high-water (Wasm memory never shrinks).
import { PhotonImage, SamplingFilter, initPhoton, resize } from "@cf-wasm/photon/workerd";

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/debug/memory") {
      // initPhoton.promise resolves to the instance's exports, memory among them.
      const exports = await initPhoton.promise;
      return Response.json({ wasm_memory_bytes: exports.memory.buffer.byteLength });
    }
    const params = url.searchParams;
    const source = await fetch(params.get("url"));
    if (!source.ok) {
      return new Response(`upstream answered ${source.status}`, { status: 502 });
    }
    try {
      const bytes = new Uint8Array(await source.arrayBuffer());
      const { body, type } = transform(bytes, params);
      return new Response(body, { headers: { "Content-Type": type } });
    } catch (error) {
      // A Wasm trap (out of memory, unreachable) lands here as well: the bench records it.
      return new Response(`photon failed: ${error}`, { status: 500 });
    }
  },
};

function transform(bytes, params) {
  const input = PhotonImage.new_from_byteslice(bytes);
  let output;
  try {
    // photon takes both dimensions; keep the aspect ratio like every other contestant.
    const width = Number(params.get("width"));
    const height = Math.max(1, Math.round((input.get_height() * width) / input.get_width()));
    output = resize(input, width, height, SamplingFilter.Lanczos3);
    return encode(output, params.get("format"), Number(params.get("quality")));
  } finally {
    input.free();
    output?.free();
  }
}

function encode(image, format, quality) {
  switch (format) {
    case "jpeg":
      return { body: image.get_bytes_jpeg(quality), type: "image/jpeg" };
    case "webp":
      // photon's WebP encoder takes no quality (it is lossless).
      return { body: image.get_bytes_webp(), type: "image/webp" };
    case "png":
      return { body: image.get_bytes(), type: "image/png" };
    default:
      throw new Error(`format ${format} is not benchmarked`);
  }
}
