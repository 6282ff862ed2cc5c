"""Clean a received image: identify it by decoding, refuse what is not a photo, and re-encode it afresh.

Every stored image is a new encoding of decoded pixels only: orientation applied, alpha flattened, an embedded
colour profile converted to sRGB and then dropped, at most MAX_LONG_SIDE pixels on the long side, plus a
thumbnail. Nothing of the received file's metadata (EXIF with GPS, device and serial; XMP; IPTC; comments;
ICC; trailing data) can ride along, because the encoder is given a fresh image with empty ``info``.
Framework-free; the refusals are AppErrors that name the field and the file.
"""

import functools
import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime

import pillow_heif
from PIL import Image, ImageCms, UnidentifiedImageError

from ..errors import AppError
from .clock import LOCAL_TZ

logger = logging.getLogger(__name__)

# JPEG opens MPO too (phone JPEGs with a gain or depth map: frame 0 is the photo); HEIF is HEIC, through
# pillow-heif (libheif), which applies the orientation while decoding.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
ACCEPTED_TEXT = "JPEG、PNG、WebP、HEIC"
MAX_PIXELS = 50_000_000  # above any phone's full-resolution mode (48/50 Mpx); checked from the header
MAX_LONG_SIDE = 2560
THUMB_LONG_SIDE = 480
DISPLAY_QUALITY = 82
THUMB_QUALITY = 75
SRGB = ImageCms.createProfile("sRGB")
TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
             5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
             8: Image.Transpose.ROTATE_90}
EXIF_IFD, DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL, ORIENTATION = 0x8769, 0x9003, 0x9011, 0x0112
pillow_heif.register_heif_opener(thumbnails=False)
Image.init()  # register every plugin now, so formats=[…] finds WEBP on the first call
ORIGINAL_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
                  "HEIF": "image/heic"}


class PhotoRefused(AppError):
    """A file is not an acceptable photo; nothing of the request was stored."""

    status = 400
    code = "photo_refused"


class PhotoTooLarge(AppError):
    """A file is over the size limit."""

    status = 413
    code = "photo_too_large"


@dataclass(frozen=True)
class Encoded:
    """One stored image: its bytes, type and size in pixels; its key is the sha256 of the bytes."""

    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def key(self):
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class CleanPhoto:
    """What a received file becomes: a display image, a thumbnail, and (when kept) the original."""

    source_format: str
    display: Encoded
    thumb: Encoded
    taken_at: datetime | None
    original: Encoded | None = None


def refuse(code, chinese, english, name, field):
    """Return the 400 for one refused file, naming it."""
    return PhotoRefused(f"{chinese}（文件「{name[:80]}」）({english})", code=code, field=field,
                        details={"file": name[:200]})


def check_size(size, name, max_bytes, field="photos"):
    """Refuse a file over max_bytes (413) or an empty one (400)."""
    if size > max_bytes:
        raise PhotoTooLarge(f"照片过大：「{name[:80]}」有 {size / 1048576:.1f} MB，每张最多 {max_bytes / 1048576:.0f} MB "
                            f"(photo {name[:80]!r} is {size} bytes; the limit is {max_bytes})",
                            field=field, details={"file": name[:200], "limit": max_bytes})
    if size == 0:
        raise refuse("not_an_image", f"照片是空文件，只接受 {ACCEPTED_TEXT} 格式", "empty file", name, field)


def open_checked(data, name, field="photos", max_pixels=MAX_PIXELS):
    """Identify an image by its content, refuse bombs from the header, then decode every pixel."""
    try:
        im = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
        if im.width * im.height > max_pixels:
            raise refuse("too_many_pixels", f"图片像素过多（{im.width}×{im.height}），最多 {max_pixels // 1_000_000} 百万像素",
                         f"decompression bomb refused: {im.width}x{im.height} > {max_pixels} pixels", name, field)
        if im.format != "MPO" and getattr(im, "is_animated", False):
            raise refuse("animated", "不接受动图", "animated images are not accepted", name, field)
        if im.format in ("JPEG", "MPO") and max(im.size) > MAX_LONG_SIDE:
            # libjpeg's DCT scaling to the smallest size still above the target; every byte is still decoded.
            scale = MAX_LONG_SIDE / max(im.size)
            im.draft("RGB", (int(im.width * scale) + 1, int(im.height * scale) + 1))
        im.load()
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse("too_many_pixels", f"图片像素过多，最多 {max_pixels // 1_000_000} 百万像素",
                     "decompression bomb refused", name, field) from None
    except UnidentifiedImageError:
        raise refuse("not_an_image", f"不是可接受的图片，只接受 {ACCEPTED_TEXT} 格式",
                     "not an accepted image: JPEG, PNG, WebP or HEIC, checked by content", name, field) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise refuse("corrupt_image", "图片已损坏或不完整", f"corrupt or truncated image: {exc}", name, field) from None
    return im


def taken_at(exif):
    """Return when the photo was taken (EXIF DateTimeOriginal, China time unless an offset is given), or None."""
    raw = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL)
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.strptime(raw.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = exif.get_ifd(EXIF_IFD).get(OFFSET_TIME_ORIGINAL)
    if isinstance(offset, str):
        try:
            return datetime.fromisoformat(moment.isoformat() + offset.strip())
        except ValueError:
            pass
    return moment.replace(tzinfo=LOCAL_TZ)


@functools.lru_cache(maxsize=16)
def _to_srgb(icc_bytes, mode):
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc_bytes))
    return ImageCms.buildTransform(source, SRGB, mode, "RGB", renderingIntent=ImageCms.Intent.PERCEPTUAL)


def to_srgb_rgb(im, icc):
    """Return RGB pixels in sRGB: alpha flattened on white, an embedded profile applied."""
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        background = Image.new("RGB", im.size, (255, 255, 255))
        background.paste(im, mask=im.getchannel("A"))
        im = background
    elif im.mode not in ("RGB", "CMYK"):
        im = im.convert("RGB")
    if icc:
        try:
            return ImageCms.applyTransform(im, _to_srgb(icc, im.mode))
        except (ImageCms.PyCMSError, OSError, ValueError):
            logger.info("ignoring an unusable colour profile")
    return im.convert("RGB")


def encode_jpeg(im, quality):
    """Encode pixels only: a fresh image, so no metadata of the source can be written."""
    fresh = Image.frombytes(im.mode, im.size, im.tobytes())
    buffer = io.BytesIO()
    fresh.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True, subsampling="4:2:0")
    return Encoded(buffer.getvalue(), "image/jpeg", *fresh.size)


def clean(data, name="photo", *, field="photos", keep_original=False):
    """Return the cleaned derivatives of a received file, or refuse it (PhotoRefused)."""
    im = open_checked(data, name, field)
    source_format = im.format
    exif = im.getexif()
    orientation, when, icc = exif.get(ORIENTATION, 1), taken_at(exif), im.info.get("icc_profile")
    im.thumbnail((MAX_LONG_SIDE, MAX_LONG_SIDE), Image.Resampling.LANCZOS)  # in sensor orientation: less work
    if orientation in TRANSPOSE:
        im = im.transpose(TRANSPOSE[orientation])
    display = to_srgb_rgb(im, icc)
    thumb = display.copy()
    thumb.thumbnail((THUMB_LONG_SIDE, THUMB_LONG_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    original = Encoded(data, ORIGINAL_TYPES[source_format], *im.size) if keep_original else None
    return CleanPhoto(source_format, encode_jpeg(display, DISPLAY_QUALITY), encode_jpeg(thumb, THUMB_QUALITY), when,
                      original)
