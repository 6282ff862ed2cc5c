"""企业微信 group robot: POST JSON to the webhook; failures come back as HTTP 200 with a non-zero errcode."""

from . import NotConfigured, PermanentError, RetryableError
from .http import post_json

PER_MINUTE = 20  # messages one robot takes a minute (the worker paces itself: services/notify/delivery.py)
TEXT_MAX_BYTES = 2048  # text.content, UTF-8
MARKDOWN_MAX_BYTES = 4096  # markdown.content, UTF-8
# -1 system busy; 45009 api freq out of limit (20 messages a minute per robot: wait a minute). Anything else
# (93000 robot removed or key invalid, 40008 bad msgtype, 44004 empty content …) will not get better on retry.
RETRY_AFTER = {-1: None, 45009: 65}


def truncate_utf8(content, limit):
    """Cut text to at most limit UTF-8 bytes without splitting a character."""
    data = content.encode()
    if len(data) <= limit:
        return content
    return data[: limit - 3].decode(errors="ignore") + "…"


def robot_url(config, robot_ref):
    """Return the webhook of a robot reference ("community/GRID" or "community"), falling back to the default."""
    robots = config["WECOM_WEBHOOKS"] or {}
    community = (robot_ref or "").split("/", 1)[0]
    url = robots.get(robot_ref) or robots.get(community) or config["WECOM_WEBHOOK_URL"]
    if not url:
        raise NotConfigured(f"社区 {community} 未配置企业微信机器人 (no WECOM_WEBHOOK_URL)")
    return url


def message_body(message):
    """Return the robot's JSON: text with @-mentions by mobile, or markdown (which cannot mention by mobile)."""
    if message.get("markdown"):
        return {"msgtype": "markdown", "markdown": {"content": truncate_utf8(message["markdown"], MARKDOWN_MAX_BYTES)}}
    body = {"msgtype": "text", "text": {"content": truncate_utf8(message["text"], TEXT_MAX_BYTES)}}
    if message.get("mobiles"):
        body["text"]["mentioned_mobile_list"] = list(message["mobiles"])
    return body


def send(config, message):
    """Post one message to its robot."""
    answer = post_json(robot_url(config, message["robot_ref"]), message_body(message),
                       timeout=config["NOTIFY_SEND_TIMEOUT"])
    code = answer.get("errcode")
    if code == 0:
        return
    if code in RETRY_AFTER:
        raise RetryableError(f"企业微信繁忙 errcode {code}: {answer.get('errmsg')}", retry_after=RETRY_AFTER[code])
    raise PermanentError(f"企业微信拒绝 errcode {code}: {answer.get('errmsg')}")
