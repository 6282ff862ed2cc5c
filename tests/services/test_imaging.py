"""Cleaning received images: decoded by content, upright, sRGB, no metadata at all; hostile files refused."""

import io

import pytest
from PIL import Image, ImageCms

from geo_app.services.imaging import MAX_LONG_SIDE, PhotoRefused, PhotoTooLarge, check_size, clean
from tests.photo_samples import SERIAL, metadata_of, phone_jpeg, png_bomb, text_as_jpeg, top_is_red


def encoded(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def assert_clean(photo):
    for image in (photo.display, photo.thumb):
        assert image.content_type == "image/jpeg"
        assert metadata_of(image.data) == {"exif": {}, "info": []}
        assert SERIAL.encode() not in image.data and b"Xiaomi" not in image.data
        decoded = Image.open(io.BytesIO(image.data))
        decoded.load()
        assert decoded.size == (image.width, image.height) and decoded.mode == "RGB"


def test_a_phone_jpeg_is_turned_upright_and_stripped():
    photo = clean(phone_jpeg(300, 400), "IMG.jpg")
    assert_clean(photo)
    assert (photo.display.width, photo.display.height) == (300, 400)
    assert top_is_red(photo.display.data) and top_is_red(photo.thumb.data)
    assert photo.taken_at.isoformat() == "2026-11-02T08:31:07+08:00"
    assert photo.original is None


def test_large_photos_are_bounded_and_get_a_thumbnail():
    photo = clean(phone_jpeg(3000, 4000, quality=70), "big.jpg")
    assert (photo.display.width, photo.display.height) == (MAX_LONG_SIDE * 3 // 4, MAX_LONG_SIDE)
    assert max(photo.thumb.width, photo.thumb.height) == 480
    assert top_is_red(photo.display.data)


def test_the_original_is_kept_only_when_asked():
    original = phone_jpeg()
    assert clean(original, "a.jpg", keep_original=True).original.data == original


@pytest.mark.parametrize("make", [
    lambda: encoded(Image.new("RGBA", (64, 48), (200, 0, 0, 0)), "PNG", pnginfo=None),
    lambda: encoded(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG"),
    lambda: encoded(Image.new("L", (64, 48), 128), "WEBP", exif=b"Exif\x00\x00" + Image.Exif().tobytes()),
    lambda: encoded(Image.new("P", (64, 48), 3), "PNG", transparency=3),
    lambda: encoded(Image.new("RGB", (64, 48), (10, 200, 10)), "WEBP", quality=80,
                    icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()),
])
def test_other_modes_and_formats_become_clean_rgb_jpegs(make):
    assert_clean(clean(make(), "x"))


def test_transparent_pixels_are_flattened_on_white():
    photo = clean(encoded(Image.new("RGBA", (64, 48), (200, 0, 0, 0)), "PNG"), "clear.png")
    assert Image.open(io.BytesIO(photo.display.data)).getpixel((32, 24)) >= (250, 250, 250)


@pytest.mark.parametrize(("data", "code"), [
    (text_as_jpeg(), "not_an_image"),
    (encoded(Image.new("RGB", (10, 10)), "GIF"), "not_an_image"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not_an_image"),
    (phone_jpeg()[:-400], "corrupt_image"),
    (png_bomb(), "too_many_pixels"),
    (encoded(Image.new("1", (8000, 7000)), "PNG"), "too_many_pixels"),  # 56 Mpx: over our own limit
])
def test_what_is_not_a_whole_accepted_image_is_refused(data, code):
    with pytest.raises(PhotoRefused) as refused:
        clean(data, "upload.jpg")
    assert refused.value.code == code and refused.value.status == 400
    assert "upload.jpg" in refused.value.message


def test_an_animation_is_refused():
    frames = [Image.new("RGB", (20, 20), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    data = encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(PhotoRefused) as refused:
        clean(data, "anim.webp")
    assert refused.value.code == "animated"


def test_size_is_checked_before_decoding():
    with pytest.raises(PhotoTooLarge) as refused:
        check_size(11 * 1024 * 1024, "big.jpg", 10 * 1024 * 1024)
    assert refused.value.status == 413 and "10 MB" in refused.value.message
    with pytest.raises(PhotoRefused):
        check_size(0, "empty.jpg", 10 * 1024 * 1024)


def test_a_heic_photo_is_decoded_upright_and_stripped():
    phone = Image.open(io.BytesIO(phone_jpeg(300, 400)))  # sensor pixels + EXIF (GPS, serial, Orientation 6)
    heic = encoded(phone, "HEIF", quality=85, exif=phone.getexif().tobytes())
    assert Image.open(io.BytesIO(heic)).getexif().get_ifd(0x8825)  # the HEIC carries the GPS position
    photo = clean(heic, "IMG_0001.HEIC", keep_original=True)
    assert photo.source_format == "HEIF" and photo.original.content_type == "image/heic"
    assert_clean(photo)
    assert (photo.display.width, photo.display.height) == (300, 400) and top_is_red(photo.display.data)
