"""One JSON POST with the errors sorted into retry-later and never."""

import json
import logging
import urllib.error
import urllib.request

from . import PermanentError, RetryableError

logger = logging.getLogger(__name__)


def post(url, *, data, headers, timeout):
    """POST bytes; return (status, body bytes); network trouble, 429 and 5xx are retryable, other 4xx permanent."""
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:200].decode(errors="replace")
        if exc.code == 429 or exc.code >= 500:
            raise RetryableError(f"接收方暂时不可用 HTTP {exc.code}: {detail}") from exc
        raise PermanentError(f"接收方拒绝 HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise RetryableError(f"无法连接接收方：{exc}") from exc


def post_json(url, body, *, timeout, headers=None):
    """POST a JSON body; return the parsed JSON answer (or {} when it is empty or not JSON)."""
    data = json.dumps(body, ensure_ascii=False).encode()
    _, answer = post(url, data=data, timeout=timeout,
                     headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})
    try:
        return json.loads(answer or b"{}")
    except ValueError:
        return {}
