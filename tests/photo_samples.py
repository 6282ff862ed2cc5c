"""Photos for tests, made on the spot: a phone JPEG with EXIF GPS and a sideways sensor, and hostile files."""

import io
import struct
import zlib

from PIL import Image, ImageDraw

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
SERIAL = "SN-PRIVATE-0042"
RED = (230, 20, 20)


def phone_jpeg(width=300, height=400, quality=90, noise=False):
    """Return a JPEG whose upright picture is width×height (portrait by default) with a red band at its top.

    Stored as a phone stores it: the sensor's landscape pixels plus EXIF Orientation 6 (rotate 90° clockwise to
    show), GPS position, make, model, serial number and the time taken.
    """
    upright = Image.new("RGB", (width, height), (40, 120, 200))
    ImageDraw.Draw(upright).rectangle([0, 0, width, max(4, height // 10)], fill=RED)
    if noise:
        upright = Image.merge("RGB", [Image.effect_noise((width, height), 60).point(lambda v, k=k: (v + k) % 256)
                                      for k in (0, 85, 170)])
        ImageDraw.Draw(upright).rectangle([0, 0, width, max(4, height // 10)], fill=RED)
    sensor = upright.transpose(Image.Transpose.ROTATE_90)  # Orientation 6 turns it back clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F], exif[0x0110] = "Xiaomi", "23127PN0CC"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (22.0, 58.0, 1.56), 3: "E", 4: (115.0, 20.0, 28.32)})
    exif.get_ifd(EXIF_IFD).update({0x9003: "2026:11:02 08:31:07", 0x9011: "+08:00", 0xA431: SERIAL})
    buffer = io.BytesIO()
    sensor.save(buffer, "JPEG", quality=quality, exif=exif, comment=b"private comment")
    return buffer.getvalue()


def oversized_jpeg(size=11 * 1024 * 1024):
    """Return a real JPEG padded past size bytes (the size limit is checked before any decoding)."""
    data = phone_jpeg()
    return data + b"\0" * (size - len(data) + 1)


def png_bomb(side=30000):
    """Return a valid side×side 1-bit PNG (~110 kB for 30000²): 900 million pixels once decoded."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\0" * (1 + (side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def text_as_jpeg():
    """Return a text file (as if named x.jpg)."""
    return "这不是图片，只是一段文字。\n".encode() * 50


def metadata_of(data):
    """Return what metadata an image carries: EXIF tags, and the info keys Pillow read (icc, xmp, comment …)."""
    image = Image.open(io.BytesIO(data))
    return {"exif": dict(image.getexif()), "info": sorted(k for k in image.info if k not in ("jfif", "jfif_version",
                                                                                           "jfif_unit", "jfif_density",
                                                                                           "progressive", "progression"))}


def top_is_red(data):
    """Tell whether an image's top rows are the red band (so it is upright)."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    r, g, b = image.getpixel((image.width // 2, 1))
    return r > 180 and g < 80 and b < 80
