#!/usr/bin/env python3
# Usage: bench/wasm_shares.py build/index_bg.wasm (see bench/formats.md, "Bundle").
"""Sums the code-section body sizes of a wasm file's functions by crate path, from its name section."""
import sys, re, collections
b = open(sys.argv[1], 'rb').read()
def leb(i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i
i = 8; imports = 0; bodies = []; names = {}
while i < len(b):
    sid = b[i]; i += 1; size, i = leb(i); end = i + size
    if sid == 2:  # imports: count function imports
        n, j = leb(i)
        for _ in range(n):
            l, j = leb(j); j += l; l, j = leb(j); j += l
            kind = b[j]; j += 1
            if kind == 0: _, j = leb(j); imports += 1
            elif kind == 1: j += 1; flags, j = leb(j); _, j = leb(j); j = leb(j)[1] if flags & 1 else j
            elif kind == 2: flags, j = leb(j); _, j = leb(j); j = leb(j)[1] if flags & 1 else j
            elif kind == 3: j += 2
    elif sid == 10:
        n, j = leb(i)
        for _ in range(n):
            l, k = leb(j); bodies.append(k + l - j); j = k + l
    elif sid == 0:
        l, j = leb(i); name = b[j:j+l]; j += l
        if name == b'name':
            while j < end:
                sub = b[j]; j += 1; sl, j = leb(j); se = j + sl
                if sub == 1:
                    n, k = leb(j)
                    for _ in range(n):
                        idx, k = leb(k); l2, k = leb(k); names[idx] = b[k:k+l2].decode('utf-8', 'replace'); k += l2
                j = se
    i = end
groups = collections.OrderedDict([(g, re.compile(p)) for g, p in [
    ('bmp (image::codecs::bmp)', r'image(::|\d+)codecs(::|\d+)bmp'),
    ('ico (image::codecs::ico)', r'image(::|\d+)codecs(::|\d+)ico'),
    ('tiff (image::codecs::tiff + tiff crate)', r'image(::|\d+)codecs(::|\d+)tiff|(^|[^a-z_])tiff(::|\.\.)|\d+tiff\d'),
    ('tiff-only deps (fax, flate2, half)', r'(^|[^a-z_])(fax|flate2|half)::'),
    ('avif-parse (+ bitreader, fallible_collections, leb128)', r'avif_parse|bitreader::|fallible_collections::|leb128::'),
    ('svg-hush (+ data-url)', r'svg_hush|data_url::'),
    ('xml-rs (svg-hush\'s parser)', r'(^|[^a-z])xml(::|\d+)'),
]])
total = sum(bodies); sums = collections.Counter(); counts = collections.Counter()
for k, size in enumerate(bodies):
    name = names.get(imports + k, '')
    for g, p in groups.items():
        if p.search(name):
            sums[g] += size; counts[g] += 1; break
print(f'{sys.argv[1]}: {len(bodies)} functions, {total} bytes of code, {len(names)} names')
for g in groups: print(f'  {g:45s} {sums[g]:>9d} bytes in {counts[g]} functions')
