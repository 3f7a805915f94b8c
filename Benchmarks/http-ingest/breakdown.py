#!/usr/bin/env python3
"""Where the bytes on disk go: every file under a Chargeline data directory, split into
timestamp blocks, value blocks per field and per encoding, block CRCs, segment indexes,
segment headers/footers and everything else (manifests, WAL, catalogs, ...).

Usage: breakdown.py DATA_DIR

Every folder holding a MANIFEST is a store (a database, or a rollup target inside one, e.g.
bench/rollup_1h); each file counts for its nearest store, and each store is reported apart,
so a database's figures match `chargeline inspect`, which does not count its rollups.

Reads segment files as docs/format.md ("Segment files", versions 2 and 3) lays them out: header and
footer, the index (decompressed with the `zstd` command when footer flag bit 0 is set), the
block metas, and the first two bytes of every block (encoding tag and second stage). Divides
by the store's field values (the sum of its block metas' counts). Standard library only, plus
the zstd CLI.
"""
import collections
import os
import struct
import subprocess
import sys

MAGIC = 0x47534C43
ENCODINGS = {
    0x00: "empty", 0x01: "ts-constant-stride", 0x02: "ts-delta-of-delta", 0x03: "ts-delta",
    0x04: "ts-residual", 0x10: "float-constant", 0x11: "float-xor", 0x12: "float-raw",
    0x13: "float-decimal", 0x20: "int-constant", 0x21: "int-delta-zigzag-varint", 0x22: "int-raw",
    0x23: "int-run-length", 0x24: "int-residual", 0x30: "bool-bitmap", 0x31: "bool-constant",
    0x40: "string-plain", 0x41: "string-dictionary",
}
STAGES = {0: "", 1: "+lz4", 2: "+zstd"}


def tag(f, offset):
    f.seek(offset)
    b = f.read(2)
    return ENCODINGS.get(b[0], f"0x{b[0]:02x}") + STAGES.get(b[1], f"+stage{b[1]}")


def segment(path, acc):
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        header = f.read(32)
        magic, version, _ = struct.unpack_from("<IHH", header)
        if magic != MAGIC or version not in (2, 3):
            raise SystemExit(f"{path}: not a version-2 or -3 segment (magic {magic:#x}, version {version})")
        f.seek(size - 32)
        index_offset, index_length, _, _, _, _, flags, _ = struct.unpack("<QIIIIHHI", f.read(32))
        f.seek(index_offset)
        stored = f.read(index_length)
        if flags & 1:
            raw = subprocess.run(["zstd", "-dc"], input=stored[4:], capture_output=True, check=True).stdout
        else:
            raw = stored
        acc["segment headers + footers"] += 64
        acc["segment indexes (as stored)"] += index_length
        acc["_index_raw"] += len(raw)
        p = 0
        (n_series,) = struct.unpack_from("<I", raw, p); p += 4
        ts_seen = set()
        for _ in range(n_series):
            (klen,) = struct.unpack_from("<H", raw, p); p += 2 + klen
            (n_fields,) = struct.unpack_from("<H", raw, p); p += 2
            for _ in range(n_fields):
                (nlen,) = struct.unpack_from("<H", raw, p); p += 2
                name = raw[p:p + nlen].decode(); p += nlen + 1
                (n_blocks,) = struct.unpack_from("<I", raw, p); p += 4
                for _ in range(n_blocks):
                    offset, length_count = struct.unpack_from("<QQ", raw, p)
                    ts_offset, ts_length = struct.unpack_from("<QI", raw, p + 73)
                    p += 85
                    length, count = length_count & 0xFFFFFFFF, length_count >> 32
                    acc["_values"] += count
                    acc["_blocks"] += 1
                    acc["block crcs"] += 4
                    acc[("field", name)] += length - 4
                    acc[("field-values", name)] += count
                    enc = tag(f, offset)
                    acc[("encoding", enc)] += length - 4
                    acc[("encoding-values", enc)] += count
                    if ts_offset not in ts_seen:
                        ts_seen.add(ts_offset)
                        acc["block crcs"] += 4
                        acc["timestamp blocks"] += ts_length - 4
                        acc["_ts_blocks"] += 1
                        acc[("encoding", tag(f, ts_offset))] += ts_length - 4
                        acc[("encoding-values", tag(f, ts_offset))] += count
                        acc["_rows"] += count
        acc["_segment_bytes"] += size


def main():
    args = sys.argv[1:]
    if len(args) != 1:
        raise SystemExit(__doc__)
    root = os.path.abspath(args[0])
    stores = {}  # store folder -> (acc, other)
    loose = collections.Counter()
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            store = dirpath
            while store.startswith(root) and not os.path.exists(os.path.join(store, "MANIFEST")):
                store = os.path.dirname(store)
            if not store.startswith(root) or store == root and not os.path.exists(os.path.join(root, "MANIFEST")):
                loose[os.path.relpath(path, root)] += os.path.getsize(path)
                continue
            acc, other = stores.setdefault(store, (collections.Counter(), collections.Counter()))
            if name.endswith(".seg"):
                segment(path, acc)
            else:
                other[os.path.relpath(path, store)] += os.path.getsize(path)
    for store, (acc, other) in sorted(stores.items(), key=lambda kv: -kv[1][0]["_segment_bytes"]):
        report(os.path.relpath(store, root), acc, other)
    if loose:
        print(f"outside any store: {sum(loose.values())} B ({', '.join(sorted(loose))})")


def report(name, acc, other):
    total = acc["_segment_bytes"] + sum(other.values())
    n = max(acc["_values"], 1)
    rows = acc["_rows"]
    print(f"{name}: {total} bytes on disk for {acc['_values']} field values = {total / n:.4f} bytes/value "
          f"({acc['_blocks']} value blocks, {acc['_ts_blocks']} timestamp blocks, {rows} rows)")

    def line(label, b, extra=""):
        print(f"  {label:<34} {b:>12} B  {b / n:.4f} B/value  {100 * b / total:5.1f} %{extra}")

    line("timestamp blocks", acc["timestamp blocks"], f"  ({acc['timestamp blocks'] / max(rows, 1):.3f} B/row)")
    fields = sorted((k[1] for k in acc if isinstance(k, tuple) and k[0] == "field"))
    value_bytes = sum(acc[("field", f)] for f in fields)
    line("value blocks", value_bytes)
    for f in fields:
        fv = acc[("field-values", f)]
        line(f"  {f}", acc[("field", f)], f"  ({acc[('field', f)] / fv:.3f} B per {f} value)")
    line("block crcs", acc["block crcs"])
    line("segment indexes (as stored)", acc["segment indexes (as stored)"],
         f"  ({acc['_index_raw']} B before zstd)")
    line("segment headers + footers", acc["segment headers + footers"])
    line("other files", sum(other.values()))
    for path, b in sorted(other.items(), key=lambda kv: -kv[1])[:5]:
        line(f"  {path}", b)
    print("  by encoding (blocks' bytes / the values or rows they hold):")
    encs = sorted((k[1] for k in acc if isinstance(k, tuple) and k[0] == "encoding"), key=lambda e: -acc[("encoding", e)])
    for e in encs:
        b, v = acc[("encoding", e)], acc[("encoding-values", e)]
        print(f"    {e:<26} {b:>12} B over {v:>11} = {b / v:.3f} B each")


if __name__ == "__main__":
    main()
