// Answers /?url=<source> with `fetch(source)` as it comes: the body streams through untouched.
// The bench compares ours' cache hit and pass-through with it, to tell workerd's own cost from ours.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/ready") {
      return new Response("ready");
    }
    return fetch(url.searchParams.get("url"));
  },
};
