"""A throwaway SeaweedFS (`weed server -s3`) on loopback ports with one S3 identity, and a
small AWS Signature V4 signer for the calls the checks make themselves (creating the bucket).
Shared by Tools/s3-check/s3check.py and Benchmarks/backup/run.sh."""

import datetime
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

ACCESS_KEY = "chargeline-check"
SECRET_KEY = "chargeline-check-secret-key"
REGION = "us-east-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign(method, host, path, query="", payload=b"", now=None):
    """Headers for a SigV4-signed request (path already encoded; query already canonical)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    payload_hash = hashlib.sha256(payload).hexdigest()
    headers = {"host": host, "x-amz-content-sha256": payload_hash, "x-amz-date": stamp}
    signed = ";".join(sorted(headers))
    canonical = "\n".join([method, path, query, "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, payload_hash])
    scope = f"{day}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + SECRET_KEY).encode()
    for part in (day, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope},SignedHeaders={signed},Signature={signature}"
    return headers


class SeaweedFS:
    """`weed server` with master, volume, filer and S3 on free loopback ports under `folder`."""

    def __init__(self, folder, log):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self.s3_port = free_port()
        config = {"identities": [{"name": "chargeline", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                                  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
        config_path = os.path.join(folder, "s3.json")
        with open(config_path, "w") as f:
            json.dump(config, f)
        ports = {name: free_port() for name in ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
                                                "filer.port", "filer.port.grpc", "s3.port.grpc")}
        args = ["weed", "server", "-dir", os.path.join(folder, "data"), "-ip", "127.0.0.1", "-ip.bind", "127.0.0.1",
                "-master.telemetry=false", "-master.volumeSizeLimitMB", "1024", "-volume.max", "16",
                "-filer", "-s3", "-s3.port", str(self.s3_port), "-s3.config", config_path,
                "-s3.port.iceberg", "0", "-s3.port.lance", "0"]
        for name, port in ports.items():
            args += [f"-{name}", str(port)]
        os.makedirs(os.path.join(folder, "data"), exist_ok=True)
        self.log = open(log, "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.endpoint = f"http://127.0.0.1:{self.s3_port}"

    def request(self, method, path, payload=b""):
        host = f"127.0.0.1:{self.s3_port}"
        req = urllib.request.Request(self.endpoint + path, data=payload if method in ("PUT", "POST") else None,
                                     method=method, headers=sign(method, host, path, payload=payload))
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def wait_ready(self, bucket, seconds=120):
        """Waits until the S3 gateway answers and `bucket` can be created (a volume is up)."""
        deadline = time.time() + seconds
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"weed server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                status, body = self.request("PUT", "/" + bucket)
                if status in (200, 409):
                    # A first object write proves a volume is assigned.
                    status, body = self.request("PUT", f"/{bucket}/.probe", b"ok")
                    if status == 200:
                        return
                last = (status, body[:200])
            except OSError as e:
                last = e
            time.sleep(0.5)
        raise SystemExit(f"SeaweedFS S3 on {self.endpoint} not ready after {seconds} s: {last}; see {self.log.name}")

    def environment(self):
        env = dict(os.environ)
        env.update({"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": REGION})
        return env

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)
