"""Decode the 8-bit RGB/RGBA PNGs chromium writes, with zlib and numpy (no Pillow needed)."""

import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # colour type -> samples per pixel (truecolour, truecolour + alpha)


def _chunks(data):
    pos = len(PNG_SIGNATURE)
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind, data[pos + 8:pos + 8 + length]
        pos += 12 + length


def _paeth_row(raw, prior, bpp):
    out = bytearray(raw)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        out[i] = (out[i] + pred) & 0xFF
    return out


def _average_row(raw, prior, bpp):
    out = bytearray(raw)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        out[i] = (out[i] + ((a + prior[i]) >> 1)) & 0xFF
    return out


def decode_png(data):
    """Return an (height, width, channels) uint8 array of a non-interlaced 8-bit RGB(A) PNG."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    header, idat = None, []
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in CHANNELS or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    bpp = CHANNELS[colour]
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    rows = np.zeros((height, stride), dtype=np.uint8)
    prior = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start + 1)
        if kind == 0:
            row = line.copy()
        elif kind == 1:  # Sub: running sum per channel
            row = (np.cumsum(line.reshape(width, bpp).astype(np.uint32), axis=0) & 0xFF).astype(np.uint8).ravel()
        elif kind == 2:  # Up
            row = line + prior
        elif kind == 3:
            row = np.frombuffer(_average_row(line.tobytes(), prior.tobytes(), bpp), dtype=np.uint8)
        elif kind == 4:
            row = np.frombuffer(_paeth_row(line.tobytes(), prior.tobytes(), bpp), dtype=np.uint8)
        else:
            raise ValueError(f"bad PNG filter type {kind} in row {y}")
        rows[y] = row
        prior = rows[y]
    return rows.reshape(height, width, bpp)


def colour_stats(data):
    """Return (number of distinct colours, share of the most common colour) of a PNG."""
    pixels = decode_png(data)[:, :, :3].reshape(-1, 3).astype(np.uint32)
    packed = (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]
    _, counts = np.unique(packed, return_counts=True)
    return len(counts), counts.max() / packed.size
