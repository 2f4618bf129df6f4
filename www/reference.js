// Draws the option and error tables from /reference.json, which the proxy builds from its
// parser's tables; rows get the error slugs as ids so problem `type` links land on them.

const reference = await (await fetch("/reference.json")).json();

function row(cells, id) {
  const tr = document.createElement("tr");
  if (id) tr.id = id;
  for (const cell of cells) {
    const td = document.createElement("td");
    td.textContent = cell;
    tr.append(td);
  }
  return tr;
}

function values(v) {
  if (v.kind === "one-of") return v.values.join(", ");
  if (v.kind === "text") return `e.g. ${v.examples.join(", ")}`;
  return `${v.min} to ${v.max}${v.kind === "integer" ? " (whole number)" : ""}`;
}

document.querySelector("#options-table tbody").append(
  ...reference.options.map((o) => row([o.name, o.aliases.join(", "), values(o.values), o.default, o.about])),
);
document.querySelector("#errors-table tbody").append(
  ...reference.errors.map((e) =>
    row([e.slug === "upstream-refused" ? "4xx (mirrored)" : String(e.status), `/reference#${e.slug}`, e.title, e.cause, e.cached ? "yes" : "no"], e.slug),
  ),
);
// The rows exist only now, so scroll to the one a problem `type` link names.
if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
