#!/usr/bin/env python3
"""Driven by Benchmarks/backup/run.sh: day 1 imported and backed up in full to SeaweedFS, day 2
imported, then the timed incremental backup."""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "Tools", "s3-check"))
import seaweed  # noqa: E402


def log(text):
    print(f"[backup-bench] {text}", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--guns", default="5000")
    ap.add_argument("--interval", default="10s")
    args = ap.parse_args()
    chargeline = os.path.join(args.bin, "chargeline")
    data = os.path.join(args.tmp, "data")

    def day(n):
        start = f"2026-11-{19 + n}T00:00:00Z"
        lp = os.path.join(args.tmp, f"day{n}.lp")
        log(f"day {n}: generating {args.guns} guns, 24 h at {args.interval} from {start}; importing; compacting")
        subprocess.run([os.path.join(args.bin, "chargeline-datagen"), "--guns", args.guns, "--start", start, "--duration", "24h",
                        "--interval", args.interval, "--out", lp, "--quiet"], check=True)
        subprocess.run([chargeline, "import", "--data", data, "--db", "bench", "--fsync", "never", lp], check=True, stdout=sys.stderr)
        os.remove(lp)
        subprocess.run([chargeline, "compact", "--data", data], check=True, stdout=sys.stderr)

    weed = seaweed.SeaweedFS(os.path.join(args.tmp, "weed"), os.path.join(args.tmp, "weed.log"))
    try:
        weed.wait_ready("bench")
        env = weed.environment()

        def backup(label):
            t = time.time()
            r = subprocess.run([chargeline, "backup", "--data", data, "--to", "s3://bench/store"], env=env, capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"{label} backup failed: {r.stdout}{r.stderr}")
            print(f"{label}: {r.stdout.strip()} (process wall {time.time() - t:.2f} s)", flush=True)

        day(1)
        backup("full backup of day 1")
        day(2)
        load = " ".join(open("/proc/loadavg").read().split()[:3])
        backup("incremental backup of day 2")
        print(f"load average before the incremental backup: {load}")
    finally:
        weed.stop()


if __name__ == "__main__":
    main()
