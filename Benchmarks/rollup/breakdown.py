#!/usr/bin/env python3
"""Where the bytes of a database folder's segments go (docs/format.md, "Segment files").

    Benchmarks/rollup/breakdown.py DATA/<db>/rollup_1h [DATA/<db>]

Per folder: header+footer, index (as stored; compressed or not), timestamp blocks and value
blocks (each with its CRC), value blocks grouped by field-name suffix (`_sum`, `_mean`, ...)
and by encoding tag, plus the non-segment files (MANIFEST, WAL). Bytes per (series, day
partition) and per row are printed so overhead and payload can be told apart.
"""
import ctypes, ctypes.util, os, struct, sys
from collections import defaultdict

zstd = ctypes.CDLL(ctypes.util.find_library("zstd"))
zstd.ZSTD_decompress.restype = ctypes.c_size_t
zstd.ZSTD_decompress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t]

def unzstd(data, size):
    out = ctypes.create_string_buffer(size)
    n = zstd.ZSTD_decompress(out, size, data, len(data))
    assert n == size, "zstd failed"
    return out.raw

def suffix(name):
    for s in ("first_time", "last_time", "own_times", "count", "sum", "min", "max", "first", "last", "mean", "increase", "integral", "covered"):
        if name.endswith("_" + s):
            return s
    return name

def segment(path, acc):
    raw = open(path, "rb").read()
    size = len(raw)
    version = struct.unpack_from("<H", raw, 4)[0]
    if raw[:4] != b"CLSG" or version not in (2, 3):
        acc["other segments (not v2 or v3)"] += size
        return
    io, il, _, nseries, nblocks, _, flags = struct.unpack_from("<QIIIIHH", raw, size - 32)
    acc["header+footer"] += 64
    acc["index (stored)"] += il
    idx = raw[io:io + il]
    if flags & 1:
        idx = unzstd(idx[4:], struct.unpack_from("<I", idx, 0)[0])
    acc["index (uncompressed)"] += len(idx)
    p = 4
    seen_ts = set()
    for _ in range(struct.unpack_from("<I", idx, 0)[0]):
        kl = struct.unpack_from("<H", idx, p)[0]; p += 2 + kl
        nf = struct.unpack_from("<H", idx, p)[0]; p += 2
        acc["series"] += 1
        for _ in range(nf):
            nl = struct.unpack_from("<H", idx, p)[0]; name = idx[p + 2:p + 2 + nl].decode(); p += 2 + nl
            p += 1  # type
            nb = struct.unpack_from("<I", idx, p)[0]; p += 4
            for _ in range(nb):
                off, lc = struct.unpack_from("<QQ", idx, p)
                length, count = lc & 0xFFFFFFFF, lc >> 32
                tso, tsl = struct.unpack_from("<QI", idx, p + 73)
                p += 85
                acc["value blocks"] += length
                acc["value blocks: frame+crc"] += 6
                acc["values"] += count
                acc["blocks"] += 1
                acc[f"by aggregate: {suffix(name)}"] += length
                acc[f"by tag: 0x{raw[off]:02x} stage {raw[off + 1]}"] += length
                if tso not in seen_ts:
                    seen_ts.add(tso)
                    acc["timestamp blocks"] += tsl
                    acc["timestamp blocks (count)"] += 1
                    acc["rows"] += count

def folder(root):
    acc = defaultdict(int)
    for d, subdirs, files in os.walk(root):
        if d != root and os.path.basename(d).startswith("rollup_"):
            continue
        if "rollup_" in os.path.relpath(d, root).split(os.sep)[0]:
            subdirs[:] = []
            continue
        for f in files:
            path = os.path.join(d, f)
            acc["all files"] += os.path.getsize(path)
            if f.endswith(".seg"):
                acc["segment files"] += os.path.getsize(path)
                segment(path, acc)
            else:
                acc["other files (MANIFEST, WAL, ROLLUPS)"] += os.path.getsize(path)
    return acc

for root in sys.argv[1:]:
    acc = folder(root)
    total = acc["all files"]
    print(f"== {root}: {total} bytes in all files, {acc['series']} (series, partition) entries, "
          f"{acc['rows']} rows, {acc['values']} values, {acc['blocks']} value blocks")
    rows = max(acc["rows"], 1)
    for k in sorted(acc):
        if k in ("series", "rows", "values", "blocks", "timestamp blocks (count)", "index (uncompressed)"):
            continue
        v = acc[k]
        print(f"  {k:45s} {v:12d} B {100 * v / total:6.2f}%  {v / rows:8.2f} B/row")
    print(f"  {'index (uncompressed)':45s} {acc['index (uncompressed)']:12d} B")
