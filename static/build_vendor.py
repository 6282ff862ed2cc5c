#!/usr/bin/env python3
"""Build ``static/vendor/``: exactly the front-end files the pages load.

Run from ``static/`` after the npm install, with the project's virtualenv
(folium is needed for one file, see ``FOLIUM_FILES``)::

    sh static/build_vendor.sh        # = cd static && npm ci --no-audit --no-fund && ../.venv/bin/python build_vendor.py

Everything comes from ``node_modules/`` (installed from the npm registry as
pinned in package.json / package-lock.json) except:

* ``folium/templates/leaflet_heat.min.js`` -- folium's own patched build of
  Leaflet.heat (pane support + the weights fix of Leaflet.heat PR 78). npm only
  has the unpatched leaflet.heat 0.2.0, so the file is copied from the installed
  folium package, i.e. exactly what folium's CDN link would serve.
* ``folium/templates/leaflet.awesome.rotate.min.css`` -- folium's ``.fa-rotate-N``
  classes, not published anywhere but folium's git repository; generated here.
* ``bootstrap3/dist/css/bootstrap-glyphicons.css`` -- the glyphicons part of
  Bootstrap 3 (folium links Bootstrap 3.0.0's separate glyphicons sheet, which
  npm never had); cut out of bootstrap@3.4.1's dist/css/bootstrap.css, fonts
  copied alongside so ``url(../fonts/...)`` resolves.

Each script, style sheet and SVG is also written compressed beside itself (``.br``, ``.gz``): the app
sends a vendor file in the encoding the client takes, as built here, instead of compressing it again for
every request.

The relative layout of node_modules is kept, so relative ``url()`` references
in the CSS (fonts, images) resolve. The build fails if any ``url()`` or
``sourceMappingURL`` in a copied file points at a file that is not there.
The vendor directory is rebuilt from scratch each run (idempotent) and swapped
in atomically; ``vendor/.stamp.json`` records what it was built from.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
VENDOR = HERE / "vendor"
STAMP = ".stamp.json"

# Files and directories copied from node_modules/<path> to vendor/<path>.
COPY = [
    # Leaflet 1.9.3 (folium.Map)
    "leaflet/dist/leaflet.js",
    "leaflet/dist/leaflet.js.map",
    "leaflet/dist/leaflet.css",
    "leaflet/dist/images/",
    # jQuery 3.7.1 (folium.Map)
    "jquery/dist/jquery.min.js",
    "jquery/dist/jquery.min.map",
    # Bootstrap 5.2.2 (folium.Map)
    "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap/dist/js/bootstrap.bundle.min.js.map",
    "bootstrap/dist/css/bootstrap.min.css",
    "bootstrap/dist/css/bootstrap.min.css.map",
    # Glyphicons fonts (the CSS is generated, see glyphicons_css())
    "bootstrap3/dist/fonts/",
    # Font Awesome 6.2.0 (folium.Map, awesome-markers icons)
    "@fortawesome/fontawesome-free/css/all.min.css",
    "@fortawesome/fontawesome-free/webfonts/",
    # Leaflet.awesome-markers (folium.Map / folium.Icon)
    "leaflet.awesome-markers/dist/leaflet.awesome-markers.js",
    "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
    "leaflet.awesome-markers/dist/images/",
    # leaflet.markercluster 1.1.0 (plugins.MarkerCluster, FastMarkerCluster)
    "leaflet.markercluster/dist/leaflet.markercluster.js",
    "leaflet.markercluster/dist/MarkerCluster.css",
    "leaflet.markercluster/dist/MarkerCluster.Default.css",
    # plugins.HeatMapWithTime
    "iso8601-js-period/iso8601.js",
    "leaflet-timedimension/dist/leaflet.timedimension.min.js",
    "leaflet-timedimension/dist/leaflet.timedimension.control.css",
    "heatmap.js/build/heatmap.min.js",
    "heatmap.js/plugins/leaflet-heatmap/leaflet-heatmap.js",
    # plugins.LocateControl
    "leaflet.locatecontrol/dist/L.Control.Locate.min.js",
    "leaflet.locatecontrol/dist/L.Control.Locate.min.js.map",
    "leaflet.locatecontrol/dist/L.Control.Locate.min.css",
    "leaflet.locatecontrol/dist/L.Control.Locate.min.css.map",
    # plugins.Fullscreen
    "leaflet.fullscreen/Control.FullScreen.js",
    "leaflet.fullscreen/Control.FullScreen.css",
    "leaflet.fullscreen/icon-fullscreen.svg",
    # branca colormaps (legends, folium.Choropleth) link d3 3.5.5
    "d3/d3.min.js",
    # ECharts for our own KPI page
    "echarts/dist/echarts.min.js",
    # Leaflet.VectorGrid 1.3.0 (pbf and vector-tile bundled in): /map and /sites draw large communities from /tiles
    "leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js",
]

# Files copied from the installed folium package: vendor path -> path in folium/.
FOLIUM_FILES = {
    "folium/templates/leaflet_heat.min.js": "templates/leaflet_heat.min.js",
}

# Text replacements in copied files: vendor path -> [(old, new)]. Each `old` must
# occur (so a version bump that changes the file fails the build, not the page).
REWRITES = {
    # The time-dimension control declares its own Glyphicons @font-face pointing at
    # a CDN; point it at the Bootstrap 3 fonts vendored above instead.
    "leaflet-timedimension/dist/leaflet.timedimension.control.css": [
        ("//netdna.bootstrapcdn.com/bootstrap/3.0.0/fonts/", "../../bootstrap3/dist/fonts/"),
    ],
}

# Files written compressed beside themselves (file.js.br, file.js.gz), and how hard: the build compresses once,
# so it can afford more than the app's per-answer levels (geo_app/static_assets.py).
PRECOMPRESSED_SUFFIXES = (".js", ".css", ".svg")
BROTLI_QUALITY = 9
GZIP_LEVEL = 9

ROTATE_CSS = "folium/templates/leaflet.awesome.rotate.min.css"
GLYPHICONS_CSS = "bootstrap3/dist/css/bootstrap-glyphicons.css"


class BuildError(RuntimeError):
    pass


def rotate_css() -> str:
    """folium's leaflet.awesome.rotate css: one .fa-rotate-N class per degree."""
    rules = [
        f".fa-rotate-{n}{{-ms-transform:rotate({n}deg);"
        f"-webkit-transform:rotate({n}deg);transform:rotate({n}deg)}}"
        for n in range(0, 361)
    ]
    return (
        "/* folium Icon(angle=N) rotation classes (generated by static/build_vendor.py) */\n"
        + "\n".join(rules)
        + "\n"
    )


def glyphicons_css() -> str:
    """The Glyphicons Halflings part of Bootstrap 3's bootstrap.css."""
    src = NODE_MODULES / "bootstrap3/dist/css/bootstrap.css"
    text = src.read_text(encoding="utf-8")
    start = text.find('@font-face {\n  font-family: "Glyphicons Halflings";')
    # The section runs from its @font-face to the icon list's end, where the
    # box-sizing reset ("* {") starts the next section.
    end = text.find("\n* {", start)
    section = text[start:end] if start != -1 and end != -1 else ""
    selectors = re.findall(r"^([^\s}][^{}]*)\{", section.split("}\n", 1)[-1], re.M)
    if ".glyphicon-menu-up:before" not in section or not all(
        sel.startswith(".glyphicon") for sel in selectors
    ):
        raise BuildError(f"cannot find the glyphicons section in {src}")
    header = (
        "/*! Glyphicons Halflings from Bootstrap v3.4.1 (https://getbootstrap.com/)\n"
        " * Copyright 2011-2019 Twitter, Inc. Licensed under MIT.\n"
        " * Cut out of bootstrap/dist/css/bootstrap.css by static/build_vendor.py */\n"
    )
    return header + section + "\n"


def folium_dir() -> Path:
    try:
        import folium  # noqa: PLC0415
    except ImportError:
        raise BuildError(
            "folium is not importable: run this script with the project's virtualenv, "
            "e.g. `../.venv/bin/python build_vendor.py`"
        ) from None
    return Path(folium.__file__).resolve().parent


_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_SOURCE_MAP = re.compile(r"[#@]\s*sourceMappingURL=([^\s*'\"]+)")


def check_references(root: Path) -> list[str]:
    """Relative url()/sourceMappingURL targets in vendored CSS/JS that are missing."""
    missing = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".css", ".js") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        refs = []
        if path.suffix == ".css":
            refs += [m.group(2) for m in _CSS_URL.finditer(text)]
        tail = text[-500:]  # a source map comment is only honoured at the end
        refs += [m.group(1) for m in _SOURCE_MAP.finditer(tail)]
        for ref in refs:
            ref = ref.strip()
            if ref.startswith("//") or re.match(r"^https?:", ref, re.I):
                missing.append(f"{path.relative_to(root)}: external reference {ref}")
                continue
            if ref.startswith(("data:", "#")) or re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I):
                continue
            target = (path.parent / ref.split("?")[0].split("#")[0]).resolve()
            if not target.is_file():
                missing.append(f"{path.relative_to(root)}: {ref} -> missing")
    return missing


def precompress(root: Path) -> int:
    """Write file.br and file.gz beside each file that PRECOMPRESSED_SUFFIXES names; return how many files."""
    import brotli  # noqa: PLC0415  (installed with the app: Flask-Compress needs it)

    sources = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in PRECOMPRESSED_SUFFIXES)
    for path in sources:
        data = path.read_bytes()
        for suffix, packed in ((".br", brotli.compress(data, quality=BROTLI_QUALITY)),
                               (".gz", gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))):
            target = path.with_name(path.name + suffix)
            if target.exists():
                raise BuildError(f"{target.relative_to(root)} is already there: it would be overwritten")
            target.write_bytes(packed)
    return len(sources)


def digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def build() -> None:
    if not (NODE_MODULES / ".package-lock.json").is_file():
        raise BuildError(f"{NODE_MODULES} is missing: run `npm ci --no-audit --no-fund` in {HERE} first")

    tmp = HERE / f"vendor.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        for rel in COPY:
            src = NODE_MODULES / rel
            dst = tmp / rel
            if rel.endswith("/"):
                if not src.is_dir():
                    raise BuildError(f"missing directory in node_modules: {rel}")
                shutil.copytree(src, dst)
            else:
                if not src.is_file():
                    raise BuildError(f"missing file in node_modules: {rel}")
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)

        for rel, pairs in REWRITES.items():
            path = tmp / rel
            text = path.read_text(encoding="utf-8")
            for old, new in pairs:
                if old not in text:
                    raise BuildError(f"{rel}: expected text not found for rewrite: {old!r}")
                text = text.replace(old, new)
            path.write_text(text, encoding="utf-8")

        fdir = folium_dir()
        for rel, frel in FOLIUM_FILES.items():
            dst = tmp / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(fdir / frel, dst)

        for rel, text in ((ROTATE_CSS, rotate_css()), (GLYPHICONS_CSS, glyphicons_css())):
            dst = tmp / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_text(text, encoding="utf-8")

        missing = check_references(tmp)
        if missing:
            raise BuildError("unresolved references in vendored files:\n  " + "\n  ".join(missing))
        precompress(tmp)

        stamp = {
            "inputs": digest(HERE / "package-lock.json", Path(__file__).resolve()),
            "folium": _folium_version(),
        }
        (tmp / STAMP).write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")

        old = HERE / f"vendor.old-{os.getpid()}"
        if VENDOR.exists():
            VENDOR.rename(old)
        tmp.rename(VENDOR)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)

    n = sum(1 for p in VENDOR.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in VENDOR.rglob("*") if p.is_file())
    print(f"built {VENDOR} ({n} files, {size / 1e6:.1f} MB)")


def _folium_version() -> str:
    import folium  # noqa: PLC0415

    return folium.__version__


def expected_stamp() -> dict:
    """What vendor/.stamp.json must hold for the current inputs (used by tests)."""
    return {
        "inputs": digest(HERE / "package-lock.json", Path(__file__).resolve()),
        "folium": _folium_version(),
    }


if __name__ == "__main__":
    try:
        build()
    except BuildError as exc:
        print(f"build_vendor.py: error: {exc}", file=sys.stderr)
        sys.exit(1)
