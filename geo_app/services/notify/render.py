"""What each notification says, per kind and channel, in Chinese; rendered at delivery from the row's params.

The row keeps a snapshot of the facts (code, title, place, deadline, the link's path); the deployment's
configuration (the public address, the robots) is applied when the worker sends it.
"""

from ...models import NOTIFY_KINDS

# SMS templates: the ordered parameter names of each kind. Aliyun gets them as a JSON object, Tencent in this
# order; SMS_TEMPLATE_IDS maps each kind to the provider's approved template (its text holds the host of links).
SMS_TEMPLATES = {
    "dispatched": ("code", "title", "deadline"),
    "returned": ("code", "title", "reason"),
    "due_soon": ("code", "level", "deadline"),
    "overdue": ("code", "level", "deadline"),
    "reopened": ("code", "title", "reason"),
    # To the reporter (notify_reporter): token is the 回访 link's, the host being part of the approved template.
    "reporter_dispatched": ("code", "title"),
    "resolved": ("code", "title", "token"),
}


def _lines(kind, p, link):
    """Return the message's lines (the first is its headline)."""
    head = f"【{NOTIFY_KINDS[kind]}】"
    if kind == "dispatched":
        return [f"{head}{p['code']} {p['title']}", f"地点：{p['place']}", f"签收时限：{p['deadline']}",
                f"查看并签收：{link}"]
    if kind == "returned":
        return [f"{head}{p['code']} {p['title']} 被退回", f"原因：{p['reason']}", f"请重新派单：{link}"]
    if kind == "due_soon":
        return [f"{head}{p['code']} {p['title']}", f"{p['level']}时限：{p['deadline']}，请尽快{p['level']}",
                f"查看：{link}"]
    if kind == "overdue":
        return [f"{head}{p['code']} {p['title']}", f"已超过{p['level']}时限 {p['deadline']}（责任人：{p['assignee']}）",
                f"请立即处理：{link}"]
    if kind == "reopened":
        return [f"{head}{p['code']} {p['title']}", f"居民回访不满意，请重新办理：{p['reason']}", f"查看：{link}"]
    if kind == "reporter_dispatched":
        return [f"{head}您反映的问题 {p['code']} {p['title']} 已交由责任人办理"]
    if kind == "resolved":
        lines = [f"{head}您反映的问题 {p['code']} {p['title']} 已办结", f"办理结果：{p.get('note') or '无'}"]
        return lines + ([f"请评价：{link}"] if p.get("token") else [])
    if kind == "sweep":
        return [f"{head}{p['count']} 件民情即将超时或已超时", *p["lines"], f"查看：{link}"]
    if kind == "digest":
        lines = [f"{head}{p['community']} {p['day']}：新增 {p['new']} 件，超时 {p['overdue']} 件"]
        lines += [f"· {c['code']} {c['title']}（{c['overdue_label']}）" for c in p["overdue_cases"]]
        return lines + [f"查看：{link}"]
    raise ValueError(f"unknown notification kind {kind!r}")


def link_for(config, params):
    """Return the absolute link of a notification (the public base address + the path it names)."""
    return config["PUBLIC_BASE_URL"].rstrip("/") + params.get("path", "/")


def render(config, row):
    """Return the channel's message for an outbox row: a dict the channel adapter sends."""
    params = row.params
    lines = _lines(row.kind, params, link_for(config, params))
    text = "\n".join(lines)
    if row.channel == "wecom":
        if row.kind == "digest":
            return {"robot_ref": row.robot_ref, "markdown": "**" + lines[0] + "**\n" + "\n".join(lines[1:])}
        return {"robot_ref": row.robot_ref, "text": text, "mobiles": params.get("mention", [])}
    if row.channel == "sms":
        names = SMS_TEMPLATES[row.kind]
        return {"id": row.id, "phone": row.address, "template": row.kind,
                "params": {name: str(params.get(name, "")) for name in names}}
    if row.channel == "email":
        return {"id": row.id, "to": row.address, "subject": lines[0], "text": text}
    return {"title": lines[0], "body": "\n".join(lines[1:])}
