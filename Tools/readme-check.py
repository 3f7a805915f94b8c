#!/usr/bin/env python3
"""Walks the README top to bottom as a user on a fresh clone would, so its examples cannot drift.

    Tools/readme-check.sh            (from the repository root; CI runs it)

Every ```sh block of README.md must be preceded by one annotation line:
    <!-- readme-check: run -->                       run it as written
    <!-- readme-check: run expect="TEXT" -->         run it and require TEXT in its output
    <!-- readme-check: skip: REASON -->              do not run it, for the reason given
An unannotated block fails the walk. The walk first starts `Tools/serve.sh` in the background
(as the README's first command does), waits for `GET /ping`, then runs each `run` block in order
with bash (-e -o pipefail) from the repository root, and stops the server at the end. Folders and
files the walk created in the repository root or /tmp are removed afterwards. Prints PASS, FAIL
or SKIP per block and a closing `readme: N passed, M failed, K skipped` line; exits 1 on a failure.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANNOTATION = re.compile(r'<!--\s*readme-check:\s*(run(?:\s+expect="([^"]*)")?|skip:\s*(.+?))\s*-->')


def blocks(text):
    """(line number, annotation match or None, block text) for every ```sh block."""
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            j = i + 1
            while j < len(lines) and lines[j].strip() != "```":
                j += 1
            k = i - 1
            while k >= 0 and not lines[k].strip():
                k -= 1
            out.append((i + 1, ANNOTATION.search(lines[k]) if k >= 0 else None, "\n".join(lines[i + 1:j])))
            i = j
        i += 1
    return out


def main():
    os.chdir(ROOT)
    readme = open("README.md", encoding="utf-8").read()
    found = blocks(readme)
    tracked = ["chargeline-data", "import-data", "today.html", "today-piles.html", "today.csv",
               "/tmp/telemetry.lp", "/tmp/day.lp.gz", "/tmp/day-s.lp"]
    existed = {p for p in tracked if os.path.exists(p)}
    if {"chargeline-data", "import-data"} & existed and "--force" not in sys.argv:
        sys.exit("readme-check: ./chargeline-data or ./import-data exists; run on a fresh clone (or pass --force to use them)")
    passed = failed = skipped = 0
    log = open("/tmp/readme-check-serve.log", "wb")
    server = subprocess.Popen(["Tools/serve.sh"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 1800  # the release build comes first
        while True:
            try:
                urllib.request.urlopen("http://127.0.0.1:8086/ping", timeout=1)
                break
            except Exception:
                if server.poll() is not None or time.time() > deadline:
                    print(open("/tmp/readme-check-serve.log", errors="replace").read()[-4000:])
                    print("FAIL Tools/serve.sh did not start a server answering /ping")
                    print("readme: 0 passed, 1 failed, 0 skipped")
                    sys.exit(1)
                time.sleep(1)
        print("PASS Tools/serve.sh started the server (README line 13)")
        passed += 1
        for line, annotation, body in found:
            if annotation is None:
                failed += 1
                print(f"FAIL README line {line}: a ```sh block without a <!-- readme-check: ... --> line before it")
                continue
            if annotation.group(3):
                skipped += 1
                print(f"SKIP README line {line}: {annotation.group(3)}")
                continue
            expect = annotation.group(2)
            started = time.time()
            try:
                r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", body], capture_output=True, text=True, timeout=900)
                output, code = r.stdout + r.stderr, r.returncode
            except subprocess.TimeoutExpired as e:
                output, code = f"{e.stdout or ''}{e.stderr or ''}\n(timed out after 900 s)", -1
            took = time.time() - started
            problem = None
            if code != 0:
                problem = f"exit status {code}"
            elif expect and expect not in output:
                problem = f"output lacks {expect!r}"
            if problem:
                failed += 1
                print(f"FAIL README line {line} ({took:.1f} s): {problem}\n--- block ---\n{body}\n--- output (last 3000 chars) ---\n{output[-3000:]}")
            else:
                passed += 1
                print(f"PASS README line {line} ({took:.1f} s)")
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        except Exception:
            try:
                os.killpg(server.pid, signal.SIGKILL)
            except Exception:
                pass
        for path in tracked:
            if path in existed or not os.path.exists(path):
                continue
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.remove(path)
    print(f"readme: {passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
