// Draws the option and error tables from /reference.json, which the proxy builds from its
// parser's and error type's tables; rows get the error slugs as ids so problem `type` links
// land on them. The texts are README's: plain text with Markdown `code` spans, drawn as code.

const reference = await (await fetch("/reference.json")).json();

/** Text with `code` spans as nodes: every other piece between backticks is code. */
function spans(text) {
  return text.split("`").map((piece, index) => {
    if (index % 2 === 0) return document.createTextNode(piece);
    const code = document.createElement("code");
    code.textContent = piece;
    return code;
  });
}

function row(cells, id) {
  const tr = document.createElement("tr");
  if (id) tr.id = id;
  for (const cell of cells) {
    const td = document.createElement("td");
    td.append(...spans(cell));
    tr.append(td);
  }
  return tr;
}

function values(v) {
  if (v.kind === "unsupported") return "not supported";
  if (v.kind === "one-of") return v.values.map((value) => `\`${value}\``).join(", ");
  if (v.kind === "text") return `e.g. ${v.examples.map((example) => `\`${example}\``).join(", ")}`;
  const words = (v.words || []).map((word) => `\`${word}\``).join(", ");
  return `${v.min} to ${v.max}${v.kind === "integer" ? " (whole number)" : ""}${words ? `, or ${words}` : ""}`;
}

document.querySelector("#options-table tbody").append(
  ...reference.options.map((o) =>
    row([`\`${o.name}\``, o.aliases.map((a) => `\`${a}\``).join(", "), values(o.values), o.default, o.about]),
  ),
);
document.querySelector("#errors-table tbody").append(
  ...reference.errors.map((e) =>
    row(
      [
        e.mirrored ? "4xx (mirrored)" : String(e.status),
        `\`/reference#${e.slug}\``,
        e.title,
        e.fault,
        e.may_redirect ? "yes" : "no",
        e.cause,
        e.cached ? "yes" : "no",
      ],
      e.slug,
    ),
  ),
);
// The rows exist only now, so scroll to the one a problem `type` link names.
if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
