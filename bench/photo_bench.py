"""Photo intake over HTTP: a 4 MB 4000×3000 phone JPEG with EXIF GPS per report; the bytes served back."""

import http.client
import io
import json
import logging
import threading
import time
import uuid

import numpy as np
from PIL import Image

from .report import Figure, percentile
from .server import HEADERS, get

logger = logging.getLogger(__name__)
CLIENTS = 2  # the 2 cores the issue names: two reports in flight at a time
REPORTS = 24
TARGET_BYTES = (3_500_000, 4_200_000)


def phone_photo(seed):
    """Return a ~4 MB 4000×3000 JPEG as a phone writes it: sensor noise, EXIF GPS, serial and Orientation 6."""
    rng = np.random.default_rng(seed)
    y, x = np.linspace(0, 1, 3000)[:, None], np.linspace(0, 1, 4000)[None, :]
    scene = np.stack([120 + 80 * np.sin(6 * x + 3 * y), 110 + 70 * np.cos(5 * y - 2 * x),
                      100 + 60 * np.sin(24 * x * y)], axis=-1)
    image = Image.fromarray(np.clip(scene + rng.normal(0, 10, scene.shape), 0, 255).astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F], exif[0x0110] = "Xiaomi", "23127PN0CC"
    exif.get_ifd(0x8825).update({1: "N", 2: (22.0, 58.0, 1.56), 3: "E", 4: (115.0, 20.0, 28.32)})
    exif.get_ifd(0x8769).update({0x9003: "2026:11:02 08:31:07", 0xA431: "SN-PRIVATE-0042"})
    for quality in (92, 90, 88, 85, 80):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, exif=exif)
        if buffer.tell() <= TARGET_BYTES[1]:
            return buffer.getvalue()
    return buffer.getvalue()


def _multipart(fields, photo):
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="IMG_0001.jpg"\r\n'
                 "Content-Type: image/jpeg\r\n\r\n".encode() + photo + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _post(host, port, body, content_type):
    started = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=120)
    try:
        conn.request("POST", "/api/v1/cases", body=body, headers={**HEADERS, "Content-Type": content_type})
        response = conn.getresponse()
        answer = response.read()
        return response.status, answer, time.perf_counter() - started
    finally:
        conn.close()


def measure(layout, host, port, *, seed):
    """Return intake throughput and p95 (CLIENTS at a time), and the served bytes of a thumbnail and a display."""
    photo = phone_photo(seed)
    points = layout.random_points(np.random.default_rng([seed, 12]), REPORTS + 1)
    bodies = [_multipart({"title": "井盖破损", "description": "随手拍", "channel": "rider", "category": "hazard",
                          "lat": f"{lat:.7f}", "lon": f"{lon:.7f}"}, photo) for lon, lat in points]
    status, answer, _ = _post(host, port, *bodies[-1])  # warm-up; its photo is the one read back below
    if status != 201:
        raise RuntimeError(f"photo intake answered {status}: {answer[:300]!r}")
    first = json.loads(answer)["photos"][0]
    latencies, errors, lock = [], [], threading.Lock()
    queue = list(bodies[:-1])

    def client():
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            code, text, seconds = _post(host, port, *body)
            with lock:
                (latencies if code == 201 else errors).append(seconds if code == 201 else (code, text[:200]))

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"photo intake failed: {errors[:3]}")
    served = {}
    for variant in ("thumb", "display"):
        code, data, _ = get(host, port, first[f"{'thumb_url' if variant == 'thumb' else 'url'}"])
        if code != 200:
            raise RuntimeError(f"serving a {variant} answered {code}")
        served[variant] = len(data)
    p95 = percentile(latencies, .95)
    logger.info("photo intake: %.2f reports/s, p95 %.0f ms", len(latencies) / wall, p95 * 1e3)
    note = f"{len(photo) / 1e6:.1f} MB 4000×3000 JPEG with EXIF GPS, {CLIENTS} clients, {len(latencies)} reports"
    return [
        Figure("photo.intake.throughput", len(latencies) / wall, "reports/s", note=note),
        Figure("photo.intake.p95", p95 * 1e3, "ms", note=note),
        Figure("photo.served.thumb", served["thumb"] / 1e3, "kB", note=f"{first['width']}×{first['height']} display"),
        Figure("photo.served.display", served["display"] / 1e3, "kB",
               note=f"from {len(photo) / 1e6:.1f} MB received: {served['display'] / len(photo):.0%}"),
    ]
