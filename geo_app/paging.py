"""Paging links of a feature list (OGC API – Features style), shared by the API and the OGC blueprint."""


def page_links(url_for_offset, *, offset, limit, returned, matched, media_type):
    """Return the self, next and prev links of a page; next only when features remain, prev only past the first."""
    links = [{"rel": "self", "type": media_type, "title": "本页", "href": url_for_offset(offset)}]
    if offset + returned < matched and returned:
        links.append({"rel": "next", "type": media_type, "title": "下一页", "href": url_for_offset(offset + returned)})
    if offset > 0:
        links.append({"rel": "prev", "type": media_type, "title": "上一页",
                      "href": url_for_offset(max(0, min(offset, matched) - limit))})
    return links
