"""Colour statistics of the PNG screenshots chromium writes (decoded by Pillow, which the app's photos need anyway)."""

import io

import numpy as np
from PIL import Image


def colour_stats(data):
    """Return (number of distinct colours, share of the most common colour) of a PNG."""
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).reshape(-1, 3).astype(np.uint32)
    packed = (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]
    _, counts = np.unique(packed, return_counts=True)
    return len(counts), counts.max() / packed.size
