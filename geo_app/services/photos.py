"""Photos of a case: taking them in (cleaned, all or nothing), who sees them, publishing, and the resolve rule.

Staff of a case's community see all of its photos; the public sees a photo only once a cadre has published
it. The bytes live in a photo store (photo_store.py); rows of case_photo say what they are and who may see them.
"""

import hashlib
import json
import logging
from dataclasses import dataclass

from sqlalchemy import func, insert, select, text, update

from ..errors import ConflictError, NotFoundError, ValidationError
from ..models import CATEGORIES, PHOTO_KINDS, CasePhoto
from .imaging import check_size, clean
from .photo_store import store_for
from .queries import CASES

logger = logging.getLogger(__name__)

MAX_PHOTOS = 9  # WeChat's nine
PHOTO_URL = "/api/v1/photos/{id}/{variant}"
RESOLVE_RULE = "RESOLVE_REQUIRES_PHOTO"


@dataclass(frozen=True)
class PhotoPolicy:
    """Limits and storage of photos, taken from configuration by the caller."""

    max_bytes: int = 10 * 1024 * 1024
    keep_originals: bool = False
    store: str = "db"

    @classmethod
    def from_config(cls, config):
        return cls(config["PHOTO_MAX_BYTES"], config["KEEP_PHOTO_ORIGINALS"], config["PHOTO_STORE"])


def clean_uploads(files, policy, field="photos"):
    """Return every received file cleaned, or refuse the whole lot naming the first bad file; files: [(name, bytes)].

    Everything is checked and re-encoded before anything is stored, so one bad photo stores none.
    """
    if len(files) > MAX_PHOTOS:
        raise ValidationError(f"最多 {MAX_PHOTOS} 张照片，收到 {len(files)} 张 (at most {MAX_PHOTOS} photos, got {len(files)})",
                              field=field, code="too_many_photos")
    for name, data in files:
        check_size(len(data), name, policy.max_bytes, field)
    return [clean(data, name, field=field, keep_original=policy.keep_originals) for name, data in files]


def digests(files):
    """Return what binds an idempotent retry to its photos: {"photos": [sha256 of each file]} (or {} for none)."""
    return {"photos": [hashlib.sha256(data).hexdigest() for _, data in files]} if files else {}


def add_photos(session, case_row, cleaned, kind, *, actor, policy):
    """Store cleaned photos of a case (a case_store row) as one kind; return them as the case JSON shows them."""
    if kind not in PHOTO_KINDS:
        raise ValidationError(f"kind 只能是 {'、'.join(PHOTO_KINDS)} (kind must be one of {', '.join(PHOTO_KINDS)})",
                              field="kind")
    store = store_for(policy.store)
    ids = []
    for photo in cleaned:
        for image in (photo.display, photo.thumb, photo.original):
            if image is not None:
                store.put(session, image.key, image.data, image.content_type)
        ids.append(session.execute(insert(PHOTOS).values(
            case_id=case_row.id, community_id=case_row.community_id, kind=kind, width=photo.display.width,
            height=photo.display.height, thumb_width=photo.thumb.width, thumb_height=photo.thumb.height,
            taken_at=photo.taken_at, source_format=photo.source_format, display_key=photo.display.key,
            display_type=photo.display.content_type, thumb_key=photo.thumb.key,
            thumb_type=photo.thumb.content_type, original_key=photo.original and photo.original.key,
            original_type=photo.original and photo.original.content_type, created_by=actor[:100],
        ).returning(PHOTOS.c.id)).scalar_one())
    if ids:
        logger.info("case %s: %d %s photo(s) added by %s", case_row.code, len(ids), kind, actor)
    return [photo_json(row) for row in _rows(session, PHOTOS.c.id.in_(ids))]


PHOTOS = CasePhoto.__table__
# A photo with what access checks need of its case (code, community, assignee).
PHOTO_ROW = (select(PHOTOS, CASES.c.code.label("case_code"), CASES.c.community_id.label("case_community_id"),
                    CASES.c.assignee_id)
             .join_from(PHOTOS, CASES, PHOTOS.c.case_id == CASES.c.id).order_by(PHOTOS.c.id))


def _rows(session, *conditions):
    return session.execute(PHOTO_ROW.where(*conditions)).all()


def photo_json(row, *, with_original=False):
    """Shape a photo for the case JSON."""
    body = {"id": row.id, "kind": row.kind, "kind_label": PHOTO_KINDS[row.kind],
            "url": PHOTO_URL.format(id=row.id, variant="display"), "thumb_url": PHOTO_URL.format(id=row.id, variant="thumb"),
            "width": row.width, "height": row.height, "taken_at": row.taken_at.isoformat() if row.taken_at else None, "public": row.public}
    if with_original and row.original_key:
        body["original_url"] = PHOTO_URL.format(id=row.id, variant="original")
    return body


def case_photos(session, case_id, *, public_only=False, with_original=False):
    """Return a case's photos, oldest first (only the published ones for the public)."""
    return photos_of_cases(session, [case_id], public_only=public_only, with_original=with_original).get(case_id, [])


def photos_of_cases(session, case_ids, *, public_only=False, with_original=False):
    """Return {case id: its photos, oldest first} for several cases in one query."""
    conditions = [PHOTOS.c.case_id.in_(case_ids)] + ([PHOTOS.c.public] if public_only else [])
    photos = {}
    for row in _rows(session, *conditions):
        photos.setdefault(row.case_id, []).append(photo_json(row, with_original=with_original))
    return photos


def get_photo_row(session, photo_id):
    """Return a photo's row with its case's community and assignee (for access checks), or 404."""
    rows = _rows(session, PHOTOS.c.id == photo_id)
    if not rows:
        raise NotFoundError("没有这张照片 (no such photo)", code="photo_not_found")
    return rows[0]


def read_variant(session, row, variant, policy):
    """Return (bytes, content type, key) of one stored variant of a photo, or 404."""
    key, content_type = {"display": (row.display_key, row.display_type), "thumb": (row.thumb_key, row.thumb_type),
                         "original": (row.original_key, row.original_type)}[variant]
    data = key and store_for(policy.store).get(session, key)
    if data is None:
        raise NotFoundError("没有这张照片 (no such photo)", code="photo_not_found")
    return data, content_type, key


def log_original_read(session, row, actor):
    """Record that a cadre read a photo as received (with its EXIF): the originals' reads are audited."""
    session.execute(text("INSERT INTO admin_log (actor, action, detail) VALUES (:a, 'photo_original_read', "
                         "CAST(:d AS jsonb))"),
                    {"a": actor[:100], "d": json.dumps({"photo_id": row.id, "case": row.case_code})})
    logger.info("photo %s (case %s): original read by %s", row.id, row.case_code, actor)


def set_public(session, row, public, *, actor):
    """Publish a photo to the public, or hide it again; return it."""
    session.execute(update(PHOTOS).where(PHOTOS.c.id == row.id)
                    .values(public=public, visibility_by=actor[:100], visibility_at=func.now()))
    logger.info("photo %s (case %s) %s by %s", row.id, row.case_code, "published" if public else "hidden", actor)
    return photo_json(get_photo_row(session, row.id))


def check_resolve_photo(session, row, categories):
    """Refuse (409, naming the rule) to resolve a case of a listed category that has no 处置后 photo."""
    if row.category not in categories:
        return
    if session.execute(select(PHOTOS.c.id).where(PHOTOS.c.case_id == row.id, PHOTOS.c.kind == "after")
                       .limit(1)).first():
        return
    raise ConflictError(f"按规则 {RESOLVE_RULE}，「{CATEGORIES[row.category]}」类民情须先上传处置后照片才能办结 "
                        f"(rule {RESOLVE_RULE}: a {row.category} case needs an 'after' photo before it is resolved)",
                        code="photo_required", field="photo", details={"rule": RESOLVE_RULE})
