"""Where photo bytes live: one interface, two backends (a PostgreSQL table, or an S3-compatible bucket).

Keys are the sha256 of the bytes, so an object is written once and never changed; writing the same bytes again
is a no-op. The database backend writes in the request's transaction, so a refused request leaves nothing.
The S3 backend writes before the transaction commits: a request that fails afterwards leaves unreferenced
objects in the bucket (harmless, content-addressed; no row points at them), never a row without its bytes.
"""

import functools
import logging
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import text

from ..errors import AppError

logger = logging.getLogger(__name__)


class PhotoStoreError(AppError):
    """The photo store is misconfigured or unreachable."""

    status = 503
    code = "photo_store_unavailable"


class DatabaseStore:
    """Photo bytes in the photo_blob table: one backup, one restore, and replicas carry them with the cases."""

    name = "db"

    def put(self, session, key, data, content_type):
        """Store bytes under their key (nothing happens when they are already there)."""
        session.execute(text("INSERT INTO photo_blob (key, content_type, size, data) VALUES (:k, :t, :n, :d) "
                             "ON CONFLICT (key) DO NOTHING"),
                        {"k": key, "t": content_type, "n": len(data), "d": data})

    def get(self, session, key):
        """Return the bytes stored under a key, or None."""
        row = session.execute(text("SELECT data FROM photo_blob WHERE key = :k"), {"k": key}).first()
        return bytes(row.data) if row else None


@dataclass(frozen=True)
class S3Location:
    """A bucket, a key prefix and how to reach them, from `s3://bucket/prefix?endpoint=…&region=…`."""

    bucket: str
    prefix: str
    endpoint: str | None
    region: str | None


def parse_s3_url(url):
    """Return the S3Location of a PHOTO_STORE URL, or refuse it naming the problem."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise PhotoStoreError(f"PHOTO_STORE 应为 db 或 s3://存储桶/前缀 (PHOTO_STORE must be `db` or s3://bucket/prefix, "
                              f"got {url!r})", status=500, code="bad_photo_store")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    prefix = parts.path.strip("/")
    return S3Location(parts.netloc, prefix + "/" if prefix else "", query.get("endpoint"), query.get("region"))


class S3Store:
    """Photo bytes as objects in an S3-compatible bucket (boto3); credentials from boto3's usual sources."""

    name = "s3"

    def __init__(self, location):
        import boto3
        from botocore.config import Config

        self.location = location
        self.client = boto3.client(
            "s3", endpoint_url=location.endpoint, region_name=location.region or "us-east-1",
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30,
                          # plain signed PUTs: not every S3-compatible store speaks the newer checksum trailers
                          request_checksum_calculation="when_required", response_checksum_validation="when_required"))

    def _key(self, key):
        return self.location.prefix + key

    def put(self, session, key, data, content_type):  # noqa: ARG002 - the session is the database backend's
        """Store bytes under their key."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(Bucket=self.location.bucket, Key=self._key(key), Body=data, ContentType=content_type)
        except (BotoCoreError, ClientError) as exc:
            logger.error("photo store: PUT %s failed: %s", key, exc)
            raise PhotoStoreError("照片存储暂时不可用，请稍后再试 (the photo store refused the upload)") from None

    def get(self, session, key):  # noqa: ARG002
        """Return the bytes stored under a key, or None."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_object(Bucket=self.location.bucket, Key=self._key(key))
            return answer["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            logger.error("photo store: GET %s failed: %s", key, exc)
        except BotoCoreError as exc:
            logger.error("photo store: GET %s failed: %s", key, exc)
        raise PhotoStoreError("照片存储暂时不可用，请稍后再试 (the photo store could not be read)")


@functools.lru_cache(maxsize=8)
def store_for(setting):
    """Return the store a PHOTO_STORE value names (one per value: boto3 clients are reused)."""
    if setting in ("", "db"):
        return DatabaseStore()
    return S3Store(parse_s3_url(setting))
