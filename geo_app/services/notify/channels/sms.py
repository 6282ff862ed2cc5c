"""SMS through a provider: `http` (a local gateway), `aliyun` (Dysms SendSms, hand-signed ACS3) or `tencent` (SDK).

Every provider gets the same (template kind, ordered parameters); SMS_TEMPLATE_IDS maps a kind to the
provider's approved template. The notification id travels along (X-Notification-Id, OutId, SessionContext).
"""

import json
import logging
import secrets
from datetime import UTC, datetime

from . import NotConfigured, PermanentError, RetryableError
from .acs3 import canonical_query, signed_headers
from .http import post, post_json

logger = logging.getLogger(__name__)

ALIYUN_HOST = "dysmsapi.aliyuncs.com"
TENCENT_HOST = "sms.tencentcloudapi.com"
ALIYUN_RETRY = ("isp.SYSTEM_ERROR", "Throttling", "isv.BUSINESS_LIMIT_CONTROL", "ServiceUnavailable")
TENCENT_RETRY = ("InternalError", "RequestLimitExceeded", "LimitExceeded.PhoneNumberThirtySecondLimit",
                 "LimitExceeded.PhoneNumberOneHourLimit", "ClientNetworkError", "ServerNetworkError")


def _template_id(config, kind):
    template = (config["SMS_TEMPLATE_IDS"] or {}).get(kind)
    if not template:
        raise NotConfigured(f"短信模板未配置：{kind} (no SMS_TEMPLATE_IDS[{kind!r}])")
    return template


def send_http(config, message):
    """POST {"phone", "template", "params"} to SMS_HTTP_URL; 2xx is sent."""
    if not config["SMS_HTTP_URL"]:
        raise NotConfigured("未配置 SMS_HTTP_URL")
    post_json(config["SMS_HTTP_URL"],
              {"phone": message["phone"], "template": message["template"], "params": message["params"]},
              timeout=config["NOTIFY_SEND_TIMEOUT"], headers={"X-Notification-Id": str(message["id"])})


def send_aliyun(config, message):
    """Dysms SendSms (2017-05-25), RPC style: parameters in the query string, V3 signature, empty body."""
    host = config["SMS_ENDPOINT"] or ALIYUN_HOST
    params = {"PhoneNumbers": message["phone"], "SignName": config["SMS_SIGN_NAME"],
              "TemplateCode": _template_id(config, message["template"]),
              "TemplateParam": json.dumps({k: str(v) for k, v in message["params"].items()}, ensure_ascii=False),
              "OutId": str(message["id"])}
    headers = signed_headers(config["SMS_ACCESS_KEY_ID"], config["SMS_ACCESS_KEY_SECRET"], host=host,
                             action="SendSms", version="2017-05-25", params=params, nonce=secrets.token_hex(16),
                             date=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    url = f"{config['SMS_ENDPOINT_SCHEME']}://{host}/?{canonical_query(params.items())}"
    try:
        _, body = post(url, data=b"", headers=headers, timeout=config["NOTIFY_SEND_TIMEOUT"])
    except PermanentError as exc:  # Aliyun answers most refusals with a 4xx and a JSON Code
        raise PermanentError(f"阿里云短信拒绝：{exc}") from exc
    answer = json.loads(body or b"{}")
    code = answer.get("Code")
    if code == "OK":
        return
    if any(str(code).startswith(prefix) for prefix in ALIYUN_RETRY):
        raise RetryableError(f"阿里云短信繁忙 {code}: {answer.get('Message')}")
    raise PermanentError(f"阿里云短信拒绝 {code}: {answer.get('Message')}")


def send_tencent(config, message):
    """SendSms (2021-01-11) through the official SDK; success is per number in SendStatusSet."""
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sms.v20210111 import models, sms_client

    profile = HttpProfile(endpoint=config["SMS_ENDPOINT"] or TENCENT_HOST, protocol=config["SMS_ENDPOINT_SCHEME"],
                          reqTimeout=config["NOTIFY_SEND_TIMEOUT"])
    client = sms_client.SmsClient(credential.Credential(config["SMS_ACCESS_KEY_ID"], config["SMS_ACCESS_KEY_SECRET"]),
                                  config["SMS_REGION"], ClientProfile(httpProfile=profile))
    phone = message["phone"]
    request = models.SendSmsRequest()
    request.from_json_string(json.dumps({
        "PhoneNumberSet": [phone if phone.startswith("+") else "+86" + phone],
        "SmsSdkAppId": config["SMS_SDK_APP_ID"], "SignName": config["SMS_SIGN_NAME"],
        "TemplateId": _template_id(config, message["template"]),
        "TemplateParamSet": [str(v) for v in message["params"].values()], "SessionContext": str(message["id"]),
    }, ensure_ascii=False))
    try:
        answer = client.SendSms(request)
    except TencentCloudSDKException as exc:
        code = exc.get_code() or ""
        if code.startswith(TENCENT_RETRY):
            raise RetryableError(f"腾讯云短信繁忙 {code}: {exc.get_message()}") from exc
        raise PermanentError(f"腾讯云短信拒绝 {code}: {exc.get_message()}") from exc
    for status in answer.SendStatusSet or []:
        if status.Code != "Ok":
            if status.Code.startswith(TENCENT_RETRY):
                raise RetryableError(f"腾讯云短信繁忙 {status.Code}: {status.Message}")
            raise PermanentError(f"腾讯云短信拒绝 {status.Code}: {status.Message}")


PROVIDERS = {"http": send_http, "aliyun": send_aliyun, "tencent": send_tencent}


def send(config, message):
    """Send one SMS through the configured provider."""
    provider = config["SMS_PROVIDER"]
    if not provider:
        raise NotConfigured("未配置短信服务 (no SMS_PROVIDER)")
    if provider not in PROVIDERS:
        raise PermanentError(f"SMS_PROVIDER 须为 {'、'.join(PROVIDERS)}，而不是 {provider!r}")
    PROVIDERS[provider](config, message)
