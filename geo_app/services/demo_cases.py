"""The demo community's cases and 爱心超市 ledgers, mirroring the work report; the same seed gives the same data.

Work report figures reproduced: 夜谈悦好 94 cases since August 2022 (93 resolved, 1 in progress);
书记信箱 161 letters since 2023 (all resolved, all 满意); 律师手记 49 consultations; 巾帼巡逻 36 home
visits; grid-worker and rider reports; 爱心超市 393 households earning 7186 points.
"""

import logging
import random
from dataclasses import replace
from datetime import datetime, timedelta

from shapely import wkb
from shapely.geometry import Point
from sqlalchemy import text

from ..schemas import CaseIn, TransitionIn
from .cases import CasePolicy, receive_case
from .clock import LOCAL_TZ
from .notify import muted
from .points import earn, redeem
from .workflow import apply_transition, apply_transitions

logger = logging.getLogger(__name__)
SEED = 20240724

HOUSEHOLDS = 393
TOTAL_POINTS = 7186

TITLES = {
    "dispute": ["邻里噪音纠纷", "楼道杂物占用纠纷", "漏水引发邻里矛盾", "停车位争执", "宠物扰民纠纷"],
    "hardship": ["独居老人需要助餐", "低保申请咨询", "残疾人出行困难", "困难家庭子女就学", "失业人员求职帮扶"],
    "suggestion": ["建议增设休闲座椅", "建议巷口加装路灯", "建议增加垃圾分类点", "建议开设老年课堂"],
    "hazard": ["电动车楼道充电", "巷道电线老化", "井盖破损", "消防通道堵塞", "墙体开裂隐患"],
    "legal": ["房屋租赁合同咨询", "继承纠纷法律咨询", "劳动报酬追讨咨询", "婚姻家庭法律咨询"],
    "sentiment": ["居民关注旧改进度", "居民反映物业收费", "青年就业思想动态"],
    "environment": ["巷道垃圾清运不及时", "下水道堵塞", "绿化带杂草丛生"],
    "other": ["其他诉求"],
}
TAGS_BY_CATEGORY = {
    "hardship": ["employment", "elderly", "medical"], "dispute": ["neighbours", "parking"],
    "legal": ["housing"], "hazard": ["safety"], "suggestion": ["elderly"], "sentiment": ["employment"],
}
# channel → (count, first day, categories to draw from)
CHANNEL_PLAN = [
    ("night_talk", 94, datetime(2022, 8, 5, tzinfo=LOCAL_TZ), ["dispute", "hardship", "suggestion", "sentiment"]),
    ("mailbox", 161, datetime(2023, 1, 4, tzinfo=LOCAL_TZ), ["suggestion", "hardship", "environment", "dispute"]),
    ("lawyer", 49, datetime(2023, 2, 1, tzinfo=LOCAL_TZ), ["legal"]),
    ("grid_worker", 120, datetime(2023, 1, 10, tzinfo=LOCAL_TZ), ["hazard", "environment", "dispute", "hardship"]),
    ("rider", 80, datetime(2023, 3, 1, tzinfo=LOCAL_TZ), ["hazard", "environment"]),
    ("patrol", 36, datetime(2023, 3, 8, tzinfo=LOCAL_TZ), ["hardship", "hazard", "sentiment"]),
    ("hotline_12345", 30, datetime(2023, 6, 1, tzinfo=LOCAL_TZ), ["environment", "dispute", "suggestion"]),
    ("resident", 180, datetime(2023, 4, 1, tzinfo=LOCAL_TZ), ["hazard", "environment", "dispute", "suggestion"]),
]
LAST_DAY = datetime(2024, 6, 28, tzinfo=LOCAL_TZ)


def _units(session):
    rows = session.execute(text(
        "SELECT id, kind, code, name, ST_AsBinary(geom) AS g FROM unit WHERE kind IN ('building', 'shop', 'lane', 'street') "
        "ORDER BY kind, natural_key")).all()
    return [(r.kind, r.code, r.name, wkb.loads(bytes(r.g))) for r in rows]


def _point_in(rng, geom):
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(200):
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if geom.contains(p):
            return p
    return geom.representative_point()


def _gap_point(session):
    row = session.execute(text(
        """SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(ST_Difference(c.boundary,
               ST_Buffer((SELECT ST_Union(geom) FROM unit), 0.00005))) AS p FROM community c) q""")).one()
    return Point(row[0], row[1])


def _when(rng, start, index, count):
    span = (LAST_DAY - start).total_seconds()
    base = start + timedelta(seconds=span * (index + rng.random()) / count)
    return base.replace(hour=rng.choice([9, 10, 11, 14, 15, 16, 19, 20]), minute=rng.randrange(60))


def _walk(session, code, version, rng, received, *, resolve, satisfaction, actor, policy, on_time=True):
    """Walk a case forward from dispatched; return the version reached."""
    steps = []

    def step(payload, at):
        steps.append((TransitionIn(**payload, version=version + len(steps)), at))
    accepted = received + timedelta(hours=rng.uniform(0.5, 20 if on_time else 40))
    step({"action": "accept"}, accepted)
    step({"action": "start"}, accepted + timedelta(minutes=rng.randrange(10, 120)))
    if resolve:
        resolved = accepted + timedelta(hours=rng.uniform(3, 120 if on_time else 260))
        step({"action": "resolve", "note": "已上门核实并协调处理完毕"}, resolved)
        if satisfaction:
            step({"action": "visit", "satisfaction": satisfaction}, resolved + timedelta(days=1))
            step({"action": "close"}, resolved + timedelta(days=1, hours=1))
    return apply_transitions(session, code, steps, actor=actor, policy=policy)


def load_demo_cases(session, policy=None):
    """Create the demo cases and ledgers (their history notifies nobody); return summary lines."""
    with muted(session):
        return _load_demo_cases(session, policy)


def _load_demo_cases(session, policy):
    if session.execute(text("SELECT count(*) FROM civic_case")).scalar():
        return ["cases: already loaded"]
    # The demo's history predates photos: its cases are resolved without a 处置后 photo.
    policy = replace(policy or CasePolicy(), resolve_requires_photo=frozenset())
    rng = random.Random(SEED)
    units = _units(session)
    weighted = [u for u in units if u[0] in ("building", "shop")] * 3 + [u for u in units if u[0] == "lane"] * 2 + \
        [u for u in units if u[0] == "street"]
    households = [f"{u[1]}-{floor}{room:02d}" for u in units if u[0] == "building"
                  for floor in range(1, 8) for room in range(1, 4)][:HOUSEHOLDS]
    if len(households) < HOUSEHOLDS:
        households += [f"散居户-{i:03d}" for i in range(HOUSEHOLDS - len(households))]
    resident_reports = []
    counts = {}
    for channel, count, start, categories in CHANNEL_PLAN:
        for index in range(count):
            received = _when(rng, start, index, count)
            category = rng.choice(categories)
            kind, _, unit_name, geom = rng.choice(weighted)
            point = _point_in(rng, geom)
            household = households[index % HOUSEHOLDS] if channel == "resident" else None
            code, version, assignee = receive_case(
                session,
                CaseIn(**{"title": rng.choice(TITLES[category]), "description": f"{unit_name}附近：{rng.choice(TITLES[category])}。",
                 "channel": channel, "category": category, "lat": point.y, "lon": point.x,
                 "tags": rng.sample(TAGS_BY_CATEGORY.get(category, []), k=min(1, len(TAGS_BY_CATEGORY.get(category, [])))),
                 "urgency": "urgent" if category == "hazard" and rng.random() < 0.3 else "normal",
                 "reporter_name": None if channel in ("mailbox", "resident") and rng.random() < 0.3 else
                 rng.choice(["陈", "林", "黄", "李", "吴"]) + rng.choice(["阿姨", "先生", "女士", "伯"]),
                 "reporter_phone": f"13{rng.randrange(10**8, 10**9)}", "household": household,
                 "anonymous": channel == "mailbox" and rng.random() < 0.2}),
                actor="demo", policy=policy, now=received,
            )
            in_progress = (channel == "night_talk" and index == count - 1) or \
                (channel in ("grid_worker", "rider", "hotline_12345", "resident") and rng.random() < 0.06)
            satisfaction = "satisfied" if channel == "mailbox" else rng.choices(
                ["satisfied", "basically_satisfied", "dissatisfied"], [88, 9, 3])[0]
            person = assignee["person"]
            version = _walk(session, code, version, rng, received, resolve=not in_progress,
                            satisfaction=satisfaction, actor=(person and person["name"]) or "社区干部", policy=policy,
                            on_time=rng.random() < 0.9)
            if channel == "resident":
                resident_reports.append((code, version, received))
            counts[channel] = counts.get(channel, 0) + 1
    _queue_cases(session, rng, policy)
    _ledgers(session, rng, policy, households, resident_reports)
    return [f"cases: {sum(counts.values())} ({', '.join(f'{k} {v}' for k, v in counts.items())})"]


def _queue_cases(session, rng, policy):
    """A few recent cases in the plaza no unit covers: they wait in the 社区党委 queue."""
    gap = _gap_point(session)
    for i, title in enumerate(["广场夜间照明不足", "广场健身器材损坏", "广场流动摊贩占道"]):
        receive_case(session, CaseIn(title=title, channel="resident", category="suggestion", lat=gap.y + i * 1e-5,
                                    lon=gap.x, description="明珠广场"), actor="demo", policy=policy,
                    now=LAST_DAY - timedelta(days=3 - i))


def _ledgers(session, rng, policy, households, resident_reports):
    """Confirm resident reports (code, version walked to, received), earning points; then volunteer credits."""
    cid = session.execute(text("SELECT id FROM community WHERE code = 'mingzhu'")).scalar_one()
    for code, version, received in resident_reports:
        apply_transition(session, code, TransitionIn(action="confirm", version=version), actor="社区干部",
                         policy=policy, now=received + timedelta(hours=6))
    earned = session.execute(text("SELECT coalesce(sum(points), 0) FROM points_entry WHERE kind = 'earn'")).scalar()
    remaining = TOTAL_POINTS - earned
    base, extra = divmod(remaining, len(households))
    for index, household in enumerate(households):
        points = base + (1 if index < extra else 0)
        if points > 0:
            earn(session, cid, household, points, "志愿服务、垃圾分类等积分", now=LAST_DAY - timedelta(days=index % 60))
    for household in households[::7]:
        redeem(session, cid, household, min(10, base), "爱心超市兑换生活用品", now=LAST_DAY)
