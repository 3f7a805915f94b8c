#!/usr/bin/env bash
# A cardinality attack against `max-series-per-database` (issue 17's target: 1 M distinct series
# against a 100 k quota leave the server's RSS under 500 MB). Starts a fresh `chargeline serve`
# with the quota, sends SERIES points of distinct series over HTTP /write in batches of BATCH
# lines (CLIENTS connections), samples the server's RSS from /proc every 100 ms, then checks
# that an existing series of the attacked database and another database still take writes.
# Prints the peak RSS, the RSS at the end, how many points the server refused (the sum of the
# `dropped=N` of its answers, and its `chargeline_ingest_rejected_total{reason="max_series"}`).
#
#   Benchmarks/quota/run.sh                              # 1 M series, quota 100,000
#   BIN_DIR=.build-rel/release Benchmarks/quota/run.sh   # prebuilt binary (nothing is built)
#   SERIES=200000 MAX_SERIES=10000 BATCH=5000 CLIENTS=2 Benchmarks/quota/run.sh
#   MAX_SERIES= BIN_DIR=/path/to/old/release ...         # no quota flag (a binary without it)
#
# Needs python3 (standard library only). Exits non-zero when the server stops answering,
# the surviving writes fail, or (with a quota) the peak RSS passes RSS_LIMIT_MB.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SERIES="${SERIES:-1000000}"
MAX_SERIES="${MAX_SERIES-100000}"
BATCH="${BATCH:-5000}"
CLIENTS="${CLIENTS:-2}"
RSS_LIMIT_MB="${RSS_LIMIT_MB:-500}"
SERVER_PID=""
BENCH=quota
source "$ROOT/Benchmarks/lib.sh"
STOP_ON_EXIT="SERVER_PID"
bench_temp

chargeline_bin
PORT="$(free_port)"
QUOTA_ARGS=()
[[ -n "$MAX_SERIES" ]] && QUOTA_ARGS=(--max-series-per-database "$MAX_SERIES")
"$BIN/chargeline" serve --data "$TMP/data" --http "127.0.0.1:$PORT" --lp-tcp off --ykc off "${QUOTA_ARGS[@]}" \
    >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
log "serve pid $SERVER_PID on port $PORT, quota ${MAX_SERIES:-none}; sending $SERIES series in batches of $BATCH"

python3 - "$PORT" "$SERVER_PID" "$SERIES" "$BATCH" "$CLIENTS" "$TMP/result.json" <<'PY' || { tail -n 20 "$TMP/server.log" >&2; die "attack run failed"; }
import http.client, json, re, sys, threading, time
port, pid, series, batch, clients, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]

def rss_mb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

def request(method, path, body=b"", conn=None):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request(method, path, body=body, headers={"Content-Type": "text/plain"})
    r = c.getresponse()
    data = r.read()
    if conn is None:
        c.close()
    return r.status, data.decode(errors="replace")

for _ in range(600):
    try:
        if request("GET", "/ping")[0] == 204:
            break
    except OSError:
        pass
    time.sleep(0.1)
else:
    sys.exit("no /ping from the server")

peak = [rss_mb()]
stop = threading.Event()
def sampler():
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], rss_mb())
        except OSError:
            return
        time.sleep(0.1)
threading.Thread(target=sampler, daemon=True).start()

# Existing series first, so the check after the attack writes to a series that was there.
assert request("POST", "/write?db=attacked", b"survivor,id=keep v=1 1\n")[0] == 204
dropped = [0] * clients
statuses = [dict() for _ in range(clients)]
errors = []
def client(k):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    t = 1_700_000_000_000_000_000
    for start in range(k * batch, series, batch * clients):
        body = "".join(f"attack,id={i} v={i}i {t}\n" for i in range(start, min(start + batch, series))).encode()
        try:
            status, text = request("POST", "/write?db=attacked", body, conn)
        except OSError as e:
            errors.append(f"batch at {start}: {e}")
            return
        statuses[k][status] = statuses[k].get(status, 0) + 1
        m = re.search(r"dropped=(\d+)", text)
        if m:
            dropped[k] += int(m.group(1))
        elif status != 204:
            errors.append(f"batch at {start}: {status} {text[:200]}")
            return
t0 = time.perf_counter()
threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
for th in threads: th.start()
for th in threads: th.join()
seconds = time.perf_counter() - t0
time.sleep(1.0)
end_rss = rss_mb()
stop.set()
peak[0] = max(peak[0], end_rss)

survivor = request("POST", "/write?db=attacked", b"survivor,id=keep v=2 2\n")[0]
other = request("POST", "/write?db=other", b"m,id=1 v=1 1\n")[0]
metrics = request("GET", "/metrics")[1]
m = re.search(r'chargeline_ingest_rejected_total\{protocol="http",reason="max_series"\} (\d+)', metrics)
merged = {}
for s in statuses:
    for k, v in s.items(): merged[str(k)] = merged.get(str(k), 0) + v
result = {"series": series, "seconds": round(seconds, 1), "peakRSSMB": round(peak[0], 1), "endRSSMB": round(end_rss, 1),
          "refused": sum(dropped), "refusedMetric": int(m.group(1)) if m else None, "answers": merged,
          "existingSeriesWrite": survivor, "otherDatabaseWrite": other, "errors": errors[:5]}
json.dump(result, open(out, "w"))
print(json.dumps(result))
PY

python3 - "$TMP/result.json" "$RSS_LIMIT_MB" "${MAX_SERIES:-}" <<'PY'
import json, sys
r, limit, quota = json.load(open(sys.argv[1])), float(sys.argv[2]), sys.argv[3]
print(f"{r['series']:,} series sent in {r['seconds']} s (answers by status: {r['answers']})")
print(f"peak RSS {r['peakRSSMB']:,.1f} MB, {r['endRSSMB']:,.1f} MB at the end (limit {limit:,.0f} MB)")
print(f"refused: {r['refused']:,} points (dropped=N summed), metric max_series: {r['refusedMetric']}")
print(f"after the attack: existing series write {r['existingSeriesWrite']}, other database write {r['otherDatabaseWrite']}")
bad = r["errors"] or r["existingSeriesWrite"] != 204 or r["otherDatabaseWrite"] != 204 or (quota and r["peakRSSMB"] > limit)
if r["errors"]: print("errors: " + "; ".join(r["errors"]))
sys.exit(1 if bad else 0)
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
