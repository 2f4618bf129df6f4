// wasm-image-optimization as its README shows it: optimizeImage({ image, width, format, quality })
// (the package's "workerd" export condition picks its Workers build). The bench calls it as
//   /?url=<source>&width=<px>&format=jpeg|webp|png&quality=<1-100>
// and reads /debug/memory for the Wasm memory high-water (Wasm memory never shrinks).
import { optimizeImage } from "wasm-image-optimization";

// The package keeps its Emscripten instance private, so note it as it is created: this wrapper
// only records the result of WebAssembly.instantiate, it changes nothing.
let memory;
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (...args) => {
  const result = await instantiate.apply(WebAssembly, args);
  const instance = result.instance ?? result;
  memory ??= Object.values(instance.exports).find((value) => value instanceof WebAssembly.Memory);
  return result;
};

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/debug/memory") {
      return Response.json({ wasm_memory_bytes: memory?.buffer.byteLength ?? null });
    }
    const params = url.searchParams;
    const source = await fetch(params.get("url"));
    if (!source.ok) {
      return new Response(`upstream answered ${source.status}`, { status: 502 });
    }
    try {
      const format = params.get("format");
      const result = await optimizeImage({
        image: await source.arrayBuffer(),
        width: Number(params.get("width")),
        format,
        // The package's default quality is 100; PNG ignores it.
        quality: Number(params.get("quality") || 100),
      });
      return new Response(result.data, { headers: { "Content-Type": `image/${format}` } });
    } catch (error) {
      // A Wasm trap (out of memory, abort) lands here as well: the bench records it.
      return new Response(`wasm-image-optimization failed: ${error}`, { status: 500 });
    }
  },
};
