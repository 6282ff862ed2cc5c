"""E-mail over SMTP_URL: smtp:// (plain), smtp+starttls:// (STARTTLS) or smtps:// (TLS), with ?from=address."""

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from . import NotConfigured, PermanentError, RetryableError

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
SENDER_NAME = "民情地图"


def parse_smtp_url(url):
    """Return (scheme, host, port, user, password, from address) of an SMTP_URL."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise PermanentError(f"SMTP_URL 须以 smtp://、smtp+starttls:// 或 smtps:// 开头，而不是 {parts.scheme}://")
    sender = parse_qs(parts.query).get("from", [f"noreply@{parts.hostname}"])[0]
    return (parts.scheme, parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme],
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None, sender)


def build_message(sender, message):
    """Return the EmailMessage: UTF-8 body, RFC 2047 subject, a Message-ID derived from the notification id."""
    mail = EmailMessage()
    mail["From"] = Address(SENDER_NAME, addr_spec=sender)
    mail["To"] = message["to"]
    mail["Subject"] = message["subject"]
    # Stable per notification: a resend after a crash is the same message to mail clients.
    mail["Message-ID"] = f"<notification-{message['id']}@{sender.rpartition('@')[2] or 'minqing.local'}>"
    mail.set_content(message["text"])
    return mail


def send(config, message, *, ssl_context=None):
    """Send one e-mail; 4xx and network trouble are retryable, 5xx refusals permanent."""
    if not config["SMTP_URL"]:
        raise NotConfigured("未配置邮件服务 (no SMTP_URL)")
    scheme, host, port, user, password, sender = parse_smtp_url(config["SMTP_URL"])
    context = ssl_context or ssl.create_default_context()
    timeout = config["NOTIFY_SEND_TIMEOUT"]
    try:
        client = (smtplib.SMTP_SSL(host, port, timeout=timeout, context=context) if scheme == "smtps"
                  else smtplib.SMTP(host, port, timeout=timeout))
        with client:
            if scheme == "smtp+starttls":
                client.starttls(context=context)
            if user:
                client.login(user, password or "")
            client.send_message(build_message(sender, message))
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentError(f"邮件服务器拒绝收件人：{exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        error = (RetryableError if 400 <= exc.smtp_code < 500 else PermanentError)
        raise error(f"邮件服务器答复 {exc.smtp_code}: {exc.smtp_error!r}") from exc
    except (TimeoutError, smtplib.SMTPException, ConnectionError, OSError) as exc:
        raise RetryableError(f"无法连接邮件服务器：{exc}") from exc
