"""Each channel adapter against a real local receiver: 企业微信 robot, SMS providers (signatures checked), SMTP."""

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from geo_app.config import SETTINGS
from geo_app.services.notify.channels import NotConfigured, PermanentError, RetryableError, email, sms, wecom
from tests.receivers import running, sms_gateway, sms_provider, smtp_server, wecom_robot


def settings(**overrides):
    """The default configuration of every setting, with overrides (what app.config holds)."""
    return {s.name: s.default for s in SETTINGS} | {"NOTIFY_SEND_TIMEOUT": 5} | overrides


def test_a_dispatch_mentions_the_assignee_by_mobile():
    with running(wecom_robot()) as robot:
        config = settings(WECOM_WEBHOOKS={"mingzhu": robot.url + "/cgi-bin/webhook/send?key=k1"})
        wecom.send(config, {"robot_ref": "mingzhu", "text": "【新派单】MQ-2026-000001 楼道堆物", "mobiles": ["13800001111"]})
    (body,) = robot.json_bodies()
    assert body == {"msgtype": "text", "text": {"content": "【新派单】MQ-2026-000001 楼道堆物",
                                                "mentioned_mobile_list": ["13800001111"]}}


def test_a_grid_robot_wins_over_the_community_robot_and_long_text_is_cut_by_bytes():
    with running(wecom_robot()) as robot:
        config = settings(WECOM_WEBHOOK_URL=robot.url + "/send?key=default",
                          WECOM_WEBHOOKS={"mingzhu": robot.url + "/send?key=community",
                                          "mingzhu/GRID-03": robot.url + "/send?key=grid"})
        wecom.send(config, {"robot_ref": "mingzhu/GRID-03", "text": "长" * 1000})
        wecom.send(config, {"robot_ref": "other", "markdown": "**每日汇总**"})
    first, second = robot.accepted()
    assert first["path"].endswith("key=grid") and second["path"].endswith("key=default")
    assert len(json.loads(first["body"])["text"]["content"].encode()) <= 2048


@pytest.mark.parametrize("errcode,error", [(93000, PermanentError), (45009, RetryableError), (-1, RetryableError)])
def test_robot_errors_are_sorted_into_retry_and_never(errcode, error):
    with running(wecom_robot(errcode)) as robot:
        with pytest.raises(error):
            wecom.send(settings(WECOM_WEBHOOK_URL=robot.url + "/send?key=k"), {"robot_ref": "mingzhu", "text": "x"})


def test_a_robot_that_is_down_is_retried_and_a_missing_one_is_not_configured():
    robot = wecom_robot()  # never started: nothing listens on its port
    with pytest.raises(RetryableError):
        wecom.send(settings(WECOM_WEBHOOK_URL=robot.url + "/send?key=k"), {"robot_ref": "mingzhu", "text": "x"})
    with pytest.raises(NotConfigured):
        wecom.send(settings(), {"robot_ref": "mingzhu", "text": "x"})


SMS = {"id": 42, "phone": "13800000000", "template": "dispatched",
       "params": {"code": "MQ-2026-000123", "title": "楼道 堆物*~", "deadline": "2026-12-01 18:00"}}


def test_the_http_gateway_gets_phone_template_params_and_the_notification_id():
    with running(sms_gateway()) as gateway:
        sms.send(settings(SMS_PROVIDER="http", SMS_HTTP_URL=gateway.url + "/sms"), SMS)
    (request,) = gateway.accepted()
    assert json.loads(request["body"]) == {"phone": SMS["phone"], "template": "dispatched", "params": SMS["params"]}
    assert request["headers"]["X-Notification-Id"] == "42"


def provider_settings(provider, receiver, secret="test-secret"):
    key_id = "LTAI-test-id" if provider == "aliyun" else "AKID-test-id"
    return settings(SMS_PROVIDER=provider, SMS_ENDPOINT=f"127.0.0.1:{receiver.port}", SMS_ENDPOINT_SCHEME="http",
                    SMS_ACCESS_KEY_ID=key_id, SMS_ACCESS_KEY_SECRET=secret, SMS_SIGN_NAME="明珠社区",
                    SMS_SDK_APP_ID="1400006666", SMS_TEMPLATE_IDS={"dispatched": "SMS_123456789"})


def test_aliyun_sendsms_is_signed_as_documented():
    with running(sms_provider()) as provider:
        sms.send(provider_settings("aliyun", provider), SMS)
    (request,) = provider.accepted()
    query = dict(parse_qsl(urlsplit(request["path"]).query))
    assert {k.lower(): v for k, v in request["headers"].items()}["x-acs-action"] == "SendSms"
    assert query["PhoneNumbers"] == "13800000000" and query["TemplateCode"] == "SMS_123456789"
    assert json.loads(query["TemplateParam"]) == SMS["params"] and query["OutId"] == "42"


def test_tencent_sendsms_goes_through_the_sdk_signed():
    with running(sms_provider()) as provider:
        sms.send(provider_settings("tencent", provider), SMS)
    (request,) = provider.accepted()
    body = json.loads(request["body"])
    assert body["PhoneNumberSet"] == ["+8613800000000"] and body["TemplateId"] == "SMS_123456789"
    assert body["TemplateParamSet"] == list(SMS["params"].values()) and body["SessionContext"] == "42"


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
def test_a_wrong_secret_is_refused_for_good(provider):
    with running(sms_provider()) as receiver:
        with pytest.raises(PermanentError):
            sms.send(provider_settings(provider, receiver, secret="wrong"), SMS)


def test_sms_without_provider_or_template_is_not_configured():
    with pytest.raises(NotConfigured):
        sms.send(settings(), SMS)
    with running(sms_provider()) as receiver:
        config = provider_settings("aliyun", receiver) | {"SMS_TEMPLATE_IDS": {}}
        with pytest.raises(NotConfigured):
            sms.send(config, SMS)


def test_an_email_reaches_a_real_smtp_server_in_chinese():
    with smtp_server() as (host, port, received):
        email.send(settings(SMTP_URL=f"smtp://{host}:{port}?from=noreply@mingzhu.example"),
                   {"id": 7, "to": "cadre@mingzhu.example", "subject": "【超时督办】MQ-2026-000001",
                    "text": "已超过办结时限"})
    (mail,) = received
    assert mail["Subject"] == "【超时督办】MQ-2026-000001"
    assert mail["From"].addresses[0].display_name == "民情地图"
    assert mail["Message-ID"] == "<notification-7@mingzhu.example>"
    assert mail.get_content().strip() == "已超过办结时限"


def test_an_smtp_server_that_is_down_is_retried():
    from tests.servers import free_port

    with pytest.raises(RetryableError):
        email.send(settings(SMTP_URL=f"smtp://127.0.0.1:{free_port()}"), {"id": 1, "to": "a@b.c", "subject": "s",
                                                                          "text": "t"})
