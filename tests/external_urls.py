"""What a rendered page would load from another host: the tests' check that pages need nothing but this host."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from geo_app.maps.assets import is_external

# Attributes through which the browser fetches something, per tag.
_LOADING_ATTRS: dict[str, tuple[str, ...]] = {
    "script": ("src",),
    "link": ("href", "imagesrcset"),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "source": ("src", "srcset"),
    "track": ("src",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "input": ("src",),
    "image": ("href", "xlink:href"),  # SVG
    "use": ("href", "xlink:href"),  # SVG
    "feimage": ("href", "xlink:href"),  # SVG
    "body": ("background",),
    "table": ("background",),
    "td": ("background",),
}
# <link rel=...> values that only name a document, not load it.
_NON_LOADING_RELS = {
    "canonical",
    "alternate",
    "author",
    "license",
    "help",
    "bookmark",
    "next",
    "prev",
    "search",
}

_CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.I | re.S)
_CSS_IMPORT_RE = re.compile(r"""@import\s+(['"])(.*?)\1""", re.I)
# Hosts may be Leaflet tile templates with a {s} subdomain placeholder in them.
_SCRIPT_URL_RE = re.compile(
    r"""(?:https?:)?//[A-Za-z0-9.{}-]+\.[A-Za-z]{2,}(?::\d+)?(?:[/?#][^\s"'`<>\\)]*)?""", re.I
)
_ANCHOR_HREF_RE = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(['"]?)([^'"\s>]+)""", re.I)
_JS_ESCAPES = {r"\/": "/", r"\"": '"', r"\'": "'"}


def _srcset_urls(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def _css_urls(css: str) -> list[str]:
    return [m.group(2).strip() for m in _CSS_URL_RE.finditer(css)] + [
        m.group(2).strip() for m in _CSS_IMPORT_RE.finditer(css)
    ]


def _unescape_js(text: str) -> str:
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    for k, v in _JS_ESCAPES.items():
        text = text.replace(k, v)
    return text


def _script_urls(script: str) -> list[str]:
    """Absolute URLs in inline script (tile templates, GeoJSON urls, HTML in popups...).

    Deliberately conservative: every absolute URL counts, except the targets of
    ``<a href>`` links in HTML strings (e.g. tile attributions), which the browser
    does not load. Protocol-relative ``//host/...`` only counts inside a string.
    """
    text = _unescape_js(script)
    anchors = {m.start(2) for m in _ANCHOR_HREF_RE.finditer(text)}
    urls = []
    for m in _SCRIPT_URL_RE.finditer(text):
        if m.start() in anchors:
            continue
        url = m.group(0)
        if url.startswith("//") and (m.start() == 0 or text[m.start() - 1] not in "\"'`"):
            continue  # a // comment, not a string
        urls.append(url)
    # HTML inside scripts (popups/tooltips) can load images etc.
    urls += _HTMLCollector.collect(text, scripts=False)
    return urls


class _HTMLCollector(HTMLParser):
    def __init__(self, scripts: bool = True):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._scripts = scripts
        self._in: str | None = None
        self._buf: list[str] = []

    @classmethod
    def collect(cls, text: str, scripts: bool = True) -> list[str]:
        parser = cls(scripts=scripts)
        parser.feed(text)
        parser.close()
        return parser.urls

    def handle_starttag(self, tag, attrs):
        self.handle_startendtag(tag, attrs)
        if tag.lower() in ("style", "script"):
            self._in, self._buf = tag.lower(), []

    def handle_startendtag(self, tag, attrs):
        tag = tag.lower()
        attrs_d = {k.lower(): (v or "") for k, v in attrs}
        if tag == "link" and set(attrs_d.get("rel", "").lower().split()) & _NON_LOADING_RELS:
            pass
        else:
            for attr in _LOADING_ATTRS.get(tag, ()):
                value = attrs_d.get(attr)
                if not value:
                    continue
                self.urls.extend(_srcset_urls(value) if attr.endswith("srcset") else [value.strip()])
        if "style" in attrs_d:
            self.urls.extend(_css_urls(attrs_d["style"]))
        if tag == "meta" and attrs_d.get("http-equiv", "").lower() == "refresh":
            m = re.search(r"url\s*=\s*(\S+)", attrs_d.get("content", ""), re.I)
            if m:
                self.urls.append(m.group(1).strip("'\""))

    def handle_data(self, data):
        if self._in:
            self._buf.append(data)

    def handle_endtag(self, tag):
        if self._in and tag.lower() == self._in:
            text = "".join(self._buf)
            if self._in == "style":
                self.urls.extend(_css_urls(text))
            elif self._scripts:
                self.urls.extend(_script_urls(text))
            self._in, self._buf = None, []


def external_urls(html: str, same_host: str | None = None) -> list[str]:
    """Every http(s)/protocol-relative URL the page would load from another host.

    Looks at script src, link href (stylesheets, icons, preloads...), img/src(set),
    iframes, media, SVG images, CSS ``url()``/``@import`` in ``<style>`` and style
    attributes, and absolute URLs inside inline scripts (tile layer templates,
    GeoJSON URLs, HTML in popups). ``<a href>`` targets are not loads and are left
    out. ``same_host`` ("host[:port]") counts absolute URLs on that host as local.
    Returns the URLs in order of appearance, without duplicates.
    """
    urls = _HTMLCollector.collect(html)
    out: list[str] = []
    for url in urls:
        if is_external(url, same_host) and url not in out:
            out.append(url)
    return out
