"""What the Tools/*-check scripts share: a free loopback port, polling until something holds,
the registry's password hash, and a run's frame (--chargeline/--keep, a temp folder removed at
the end, PASS/FAIL lines and the closing `NAME: N passed, M failed` line with its exit code).

A check script next to this folder imports it with:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import checklib
"""

import argparse
import hashlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(probe, seconds=30, step=0.2):
    """Calls `probe` until it returns something true or `seconds` pass; returns its last answer."""
    deadline = time.time() + seconds
    answer = probe()
    while not answer and time.time() < deadline:
        time.sleep(step)
        answer = probe()
    return answer


def wait_started(proc, probe, what, log, seconds=60):
    """Calls `probe` (true once the process serves; it may raise meanwhile) until it holds; exits
    naming `log` if `proc` ends first or `seconds` pass."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if probe():
                return
        except Exception:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start; see {log}")


def stop_process(proc, seconds=30):
    """SIGTERM, then SIGKILL if it is still running after `seconds`."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def hashed(password, salt):
    """A registry password column: `sha256:SALT:hex(sha256(SALT + password))` (docs/ocpp.md)."""
    return f"sha256:{salt}:{hashlib.sha256((salt + password).encode()).hexdigest()}"


class CheckRun:
    """One check script's run: parses --chargeline and --keep, makes the temp folder, counts
    `report(name, problem)` calls (problem None or empty: PASS), and on leaving the `with`
    block removes the folder (or says where it was kept), prints the closing line and exits 1
    if any case failed."""

    def __init__(self, name, prefix=None):
        parser = argparse.ArgumentParser()
        parser.add_argument("--chargeline", required=True)
        parser.add_argument("--keep", action="store_true")
        self.args = parser.parse_args()
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix=prefix or f"chargeline-{name}-")
        self.passed = 0
        self.failed = 0

    def report(self, name, problem):
        if problem:
            self.failed += 1
            print(f"FAIL {name}: {problem}", flush=True)
        else:
            self.passed += 1
            print(f"PASS {name}", flush=True)

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if self.args.keep:
            print(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        print(f"{self.name}: {self.passed} passed, {self.failed} failed", flush=True)
        if error is None:
            sys.exit(1 if self.failed else 0)
        return False
