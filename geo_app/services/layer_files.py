"""Read a layer file safely: only the file given (with its own sidecars or archive members), only map formats.

GDAL opens far more than map files. An OGR VRT (or a GDALG JSON) names other files and connection strings
(``CSV:/…/instance/secret_key``), a format is recognised by its content rather than its name, and a
GeoJSON ``"crs"`` of type ``link`` makes GDAL fetch a URL while opening. pyogrio cannot restrict
GDALOpenEx to a list of drivers, so reading goes like this:

1. Only the extensions of GeoJSON, GeoPackage, Shapefile (``.shp`` or ``.zip``) and KML (``.kml``/``.kmz``);
   no GDAL connection strings or ``/vsi…`` paths.
2. The regular file (opened with O_NOFOLLOW: never a symlink, FIFO or device) — for a shapefile its regular
   sidecars, for an archive the members it needs, extracted by Python — is copied into a private directory
   under fixed names, counting bytes against IMPORT_MAX_BYTES. GDAL sees nothing else.
3. The content must be the format its name says (magic bytes, first character, root element) and carry no
   indirection (VRT/GDALG/WFS markers, DOCTYPE, a GeoJSON ``crs`` naming anything but a CRS code).
4. GeoJSON and GeoPackage are opened through GDAL's driver prefix (``GeoJSON:``, ``GPKG:``), which forces
   the driver; for a shapefile or KML the driver GDAL picks is checked before anything is read.
5. While reading, ``/vsicurl/`` and friends are closed (CPL_VSIL_CURL_ALLOWED_EXTENSIONS) and LIBKML does
   not resolve remote styles.
"""

import contextlib
import errno
import json
import logging
import mmap
import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..config import SETTINGS
from ..errors import ImportRefused

logger = logging.getLogger(__name__)

EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".shp": "shp", ".kml": "kml",
              ".zip": "zip", ".kmz": "kmz"}
LAYER_EXTENSIONS = (".shp", ".geojson", ".json", ".gpkg", ".kml")
SHP_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
ACCEPTED = "GeoJSON（.geojson/.json）、GeoPackage（.gpkg）、Shapefile（.shp 或 .zip）、KML（.kml/.kmz）"
DRIVERS = {"shp": ("ESRI Shapefile",), "kml": ("LIBKML", "KML")}
PREFIXES = {"geojson": "GeoJSON:", "gpkg": "GPKG:"}
# Text that makes a GDAL driver open other datasets; refused in files whose driver GDAL chooses itself.
INDIRECTION_MARKERS = (b"<ogrvrtdatasource", b"gdal_streamed_alg", b"<ogrwfsdatasource", b"<gdal_wms",
                       b"<vrtdataset", b"<gdaltileindexdataset", b"<!doctype", b"<!entity")
GDAL_READ_OPTIONS = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".minqing-no-network",  # no /vsicurl/ (nor /vsis3/ …) file matches
    "LIBKML_RESOLVE_STYLE": "NO",
    "LIBKML_EXTERNAL_STYLE": "NO",
    "GDAL_HTTP_MAX_RETRY": "0",
}
HEAD_BYTES = 64 * 1024
MAX_ZIP_MEMBERS = 64
MAX_ZIP_RATIO = 200
_CONNECTION_STRING = re.compile(r"^(/vsi|[A-Za-z][A-Za-z0-9_ ]+:|\\\\)|://")
# The key "crs" as GDAL matches it (case-insensitively), also when written with JSON escapes.
_CRS_KEY = re.compile(rb'"(?:c|\\u00[46]3)(?:r|\\u00[57]2)(?:s|\\u00[57]3)"\s*:\s*', re.IGNORECASE)
_KML_ROOT = re.compile(rb"^(?:\s|<\?xml[^>]*\?>|<!--.*?-->)*<(?:[A-Za-z_][\w.-]*:)?kml[\s>/]", re.DOTALL)
_SETTING_HINT = "可由管理员在环境变量或 instance/config.py 中调整"


@dataclass(frozen=True)
class ImportLimits:
    """Per-file limits of an import (settings IMPORT_MAX_*, IMPORT_BOUNDARY_TOLERANCE_M)."""

    max_bytes: int
    max_vertices: int
    max_features: int
    boundary_tolerance_m: float

    @classmethod
    def from_config(cls, config=None):
        """Return the limits of an app config (or the defaults)."""
        config = config or {}
        defaults = {setting.name: setting.default for setting in SETTINGS}
        value = lambda name: config.get(name, defaults[name])  # noqa: E731
        return cls(int(value("IMPORT_MAX_BYTES")), int(value("IMPORT_MAX_VERTICES")),
                   int(value("IMPORT_MAX_FEATURES")), float(value("IMPORT_BOUNDARY_TOLERANCE_M")))


def read_layer_file(path, layer=None, limits=None):
    """Read path into a GeoDataFrame in its declared CRS; return (frame, format, declares_crs)."""
    limits = limits or ImportLimits.from_config()
    name = str(path)
    if _CONNECTION_STRING.search(name):
        raise ImportRefused(f"{name}：只接受本机上的图层文件路径，不接受 GDAL 连接串、虚拟路径或网址"
                            "（如 /vsi…、CSV:、http://）")
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportRefused(f"{name}：不支持的文件类型 {suffix or '（无扩展名）'}；只接受 {ACCEPTED}")
    with tempfile.TemporaryDirectory(prefix="minqing-import-") as folder:
        staged, fmt, layer = _stage(name, Path(folder), EXTENSIONS[suffix], layer, _Budget(name, limits.max_bytes))
        declares_crs = _check_content(staged, fmt, name)
        frame = _read(staged, fmt, layer, name, folder, limits)
    return frame, fmt, declares_crs


class _Budget:
    """Count the bytes copied for one import against IMPORT_MAX_BYTES."""

    def __init__(self, name, limit):
        self.name, self.limit, self.used = name, limit, 0

    def take(self, size):
        self.used += size
        if self.used > self.limit:
            raise ImportRefused(f"{self.name}：文件（解压后）共 {self.used:,} 字节，超过每个文件的上限 "
                                f"{self.limit:,} 字节（IMPORT_MAX_BYTES，{_SETTING_HINT}）")


def _open_regular(path, shown):
    """Open path for reading if it is a regular file and not a symlink; return (file, size)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ImportRefused(f"{shown}：文件不存在") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ImportRefused(f"{shown} 是符号链接：导入只读取给定的文件本身，不跟随链接") from None
        raise ImportRefused(f"{shown}：无法打开（{exc.strerror}）") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ImportRefused(f"{shown}：不是普通文件")
    return os.fdopen(fd, "rb"), info.st_size


def _copy(source, size, target, shown):
    """Copy exactly size bytes from an open file to a new file, refusing a file that grows meanwhile."""
    with open(target, "xb") as out:
        left = size
        while left > 0:
            chunk = source.read(min(left, 1 << 20))
            if not chunk:
                break
            out.write(chunk)
            left -= len(chunk)
        if left or source.read(1):
            raise ImportRefused(f"{shown}：文件在读取时被改动")


def _stage(name, folder, kind, layer, budget):
    """Copy the file (and what it needs) into folder under fixed names; return (path, format, layer for GDAL)."""
    if kind in ("zip", "kmz"):
        return _stage_archive(name, folder, kind, layer, budget)
    source, size = _open_regular(name, name)
    with source:
        budget.take(size)
        _copy(source, size, folder / f"layer.{kind}", name)
    if kind == "shp":
        for suffix in SHP_SIDECARS:
            sidecar = _sidecar(name, suffix)
            if sidecar is None:
                continue
            shown = f"{name} 的附属文件 {Path(sidecar).name}"
            source, size = _open_regular(sidecar, shown)
            with source:
                budget.take(size)
                _copy(source, size, folder / f"layer{suffix}", shown)
    return folder / f"layer.{kind}", kind, layer if kind in ("gpkg", "kml") else None


def _sidecar(shp, suffix):
    """Return the path of a shapefile's sidecar with this suffix (any letter case), or None."""
    base = Path(shp)
    for candidate in (suffix, suffix.upper()):
        path = base.with_suffix(candidate)
        if os.path.lexists(path):
            return str(path)
    return None


def check_zip(path, shown=None):
    """Refuse zip archives with unsafe member paths, symlinks, too many members or a compression bomb."""
    shown = shown or str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportRefused(f"{shown}：不是可读的 zip 压缩包（{exc}）") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportRefused(f"{shown}：压缩包有 {len(members)} 个成员，超过上限 {MAX_ZIP_MEMBERS} 个")
    for member in members:
        name = member.filename
        if name.startswith(("/", "\\")) or ".." in PurePosixPath(name.replace("\\", "/")).parts or ":" in name:
            raise ImportRefused(f"{shown}：成员 {name!r} 的路径不安全")
        if stat.S_ISLNK(member.external_attr >> 16):
            raise ImportRefused(f"{shown}：成员 {name!r} 是符号链接：导入只读取压缩包里的普通文件")
        if member.compress_size and member.file_size / member.compress_size > MAX_ZIP_RATIO:
            raise ImportRefused(f"{shown}：成员 {name!r} 解压后膨胀 {member.file_size // member.compress_size} 倍"
                                "（疑似压缩炸弹）")


def _stage_archive(name, folder, kind, layer, budget):
    """Extract the one layer file of a .zip or .kmz (and a shapefile's sidecars) into folder."""
    source, _ = _open_regular(name, name)
    with source:
        check_zip(source, name)
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
            files = [m for m in archive.infolist() if not m.is_dir() and not _is_junk(m.filename)]
            member, layer = _pick_member(name, files, kind, layer)
            suffix = PurePosixPath(member.filename).suffix.lower()
            wanted = [(member, suffix)]
            if suffix == ".shp":
                stem = member.filename[: -len(suffix)]
                wanted += [(m, m.filename[-4:].lower()) for m in files
                           if m.filename[:-4] == stem and m.filename[-4:].lower() in SHP_SIDECARS]
            for item, item_suffix in wanted:
                budget.take(item.file_size)
                with archive.open(item) as data:
                    _copy(data, item.file_size, folder / f"layer{item_suffix}", f"{name}:{item.filename}")
    fmt = EXTENSIONS[suffix]
    return folder / f"layer{suffix}", fmt, layer if fmt in ("gpkg", "kml") else None


def _is_junk(filename):
    parts = PurePosixPath(filename).parts
    return "__MACOSX" in parts or parts[-1].startswith("._")


def _pick_member(name, files, kind, layer):
    suffixes = (".kml",) if kind == "kmz" else LAYER_EXTENSIONS
    candidates = [m for m in files if PurePosixPath(m.filename).suffix.lower() in suffixes]
    if kind == "kmz":
        doc = [m for m in candidates if m.filename.lower() == "doc.kml"]
        candidates = doc or candidates
    if layer and len(candidates) > 1:
        chosen = [m for m in candidates if PurePosixPath(m.filename).stem == layer]
        if len(chosen) == 1:
            return chosen[0], None
    if len(candidates) != 1:
        found = "、".join(m.filename for m in candidates) or "没有"
        raise ImportRefused(f"{name}：压缩包里应正好有一个图层文件（{'.kml' if kind == 'kmz' else ACCEPTED}），"
                            f"找到：{found}" + ("；用 --layer 指定文件名（不含扩展名）" if candidates else ""))
    return candidates[0], layer


def _check_content(staged, fmt, name):
    """Refuse a staged file whose content is not its format or names other data; tell whether it declares a CRS."""
    with open(staged, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body:
        raise ImportRefused(f"{name}：文件是空的")
    if fmt == "geojson":
        if not body.startswith(b"{"):
            raise ImportRefused(f"{name}：内容不是 GeoJSON（应以 {{ 开头），拒绝按其他格式读取")
        return _check_geojson_crs(staged, name)
    if fmt == "gpkg":
        # The GPKG: prefix already forces the driver; older writers leave application_id at 0.
        if head[:16] != b"SQLite format 3\x00" or head[68:72] not in (b"GPKG", b"GP10", b"GP11", b"\0\0\0\0"):
            raise ImportRefused(f"{name}：内容不是 GeoPackage，拒绝按其他格式读取")
        return True
    lowered = head.lower()
    marker = next((m for m in INDIRECTION_MARKERS if m in lowered), None)
    if marker is not None:
        raise ImportRefused(f"{name}：文件含有 {marker.decode()}，会让 GDAL 去读取别处的数据，拒绝导入")
    if fmt == "shp":
        for suffix in (".shp", ".shx"):
            part = staged.with_suffix(suffix)
            if not part.exists():
                raise ImportRefused(f"{name}：缺少 {suffix} 文件")
            with open(part, "rb") as fh:
                if fh.read(4) != b"\x00\x00\x27\x0a":
                    raise ImportRefused(f"{name}：{suffix} 的内容不是 Shapefile，拒绝按其他格式读取")
        return staged.with_suffix(".prj").exists()
    if not _KML_ROOT.match(body):
        raise ImportRefused(f"{name}：内容不是 KML（根元素应为 <kml>），拒绝按其他格式读取")
    return True


def _check_geojson_crs(staged, name):
    """Refuse a GeoJSON "crs" that makes GDAL read a URL or file; tell whether the file declares a CRS."""
    declared = False
    with open(staged, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for match in _CRS_KEY.finditer(data):
            window = data[match.end(): match.end() + 4096].decode("utf-8", "replace")
            try:
                value, _ = json.JSONDecoder().raw_decode(window)
            except ValueError:
                raise ImportRefused(f"{name}：crs 成员无法解析或过长") from None
            if not isinstance(value, dict):
                continue
            declared = True
            kind = str(value.get("type", "")).lower()
            # GDAL resolves "name" and "EPSG" without file or network access; "link", "url" (and others) it fetches.
            if kind not in ("name", "epsg"):
                raise ImportRefused(f"{name}：crs 成员（type={kind!r}）要求 GDAL 从网址或文件读取坐标系定义，"
                                    "拒绝导入；请改为 {\"type\": \"name\", \"properties\": {\"name\": "
                                    "\"EPSG:4326\"}} 之类，或删去 crs 并用 --crs 指定")
    return declared


@contextlib.contextmanager
def _gdal_read_options():
    import pyogrio  # imported here, as in _read: it imports geopandas and pandas, which most processes never need

    saved = {key: pyogrio.get_gdal_config_option(key) for key in GDAL_READ_OPTIONS}
    pyogrio.set_gdal_config_options(GDAL_READ_OPTIONS)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(saved)


def _read(staged, fmt, layer, name, folder, limits):
    """Open the staged file with a forced or checked driver and read at most max_features + 1 features."""
    import pyogrio

    source = PREFIXES.get(fmt, "") + str(staged)
    try:
        with _gdal_read_options():
            if fmt in DRIVERS:
                driver = pyogrio.read_info(source, layer=layer)["driver"]
                if driver not in DRIVERS[fmt]:
                    raise ImportRefused(f"{name}：GDAL 认出的格式是 {driver}，不是 {fmt}，拒绝导入")
            frame = pyogrio.read_dataframe(source, layer=layer, max_features=limits.max_features + 1)
    except ImportRefused:
        raise
    except Exception as exc:  # pyogrio raises several types for unreadable data
        detail = str(exc).replace(source, name).replace(str(folder), "…")
        raise ImportRefused(f"{name}：无法读取文件（{type(exc).__name__}: {detail}）") from None
    if len(frame) > limits.max_features:
        raise ImportRefused(f"{name}：要素超过每个文件的上限 {limits.max_features:,} 个"
                            f"（IMPORT_MAX_FEATURES，{_SETTING_HINT}）")
    logger.debug("read %d features from %s (%s)", len(frame), name, fmt)
    return frame
