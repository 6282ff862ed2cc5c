"""The KPIs from the rollups the database keeps (migration 0013) instead of from every case.

A grouping is answered as the sum of parts, each selecting the same measures per key:
- whole months from case_kpi_month_total (case_kpi_month with a status, channel or category filter;
  case_kpi_assignee by assignee: no window, no filter but the community; ranked along case_kpi_person);
- the days at either end of a window that do not fill a month, counted from the cases (like heat);
- what the clock changes: never-accepted cases whose response deadline is still ahead are not yet due
  (a partial index; only the last day or so of cases);
- residents' own 回访 answers, which take precedence over the cadre's (resident_feedback, small).
kpis.stats() falls back to the plain count (kpis.kpi_select) for filters no rollup carries (assignee,
bbox, overdue); tests/services/test_kpi_rollup.py holds both equal as cases change.
"""

import logging

from sqlalchemy import Float, Integer, String, and_, case, cast, extract, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import distinct_on

from ..models import (
    COMMUNITY_QUEUE,
    OPEN_STATUSES,
    CaseKpiAssignee,
    CaseKpiMonth,
    CaseKpiMonthTotal,
    CaseKpiPerson,
    Person,
    ResidentFeedback,
    Unit,
)
from .heat import split_window
from .queries import CASES, COMMUNITIES, case_conditions

logger = logging.getLogger(__name__)

MONTHS, TOTALS, ASSIGNEES = CaseKpiMonth.__table__, CaseKpiMonthTotal.__table__, CaseKpiAssignee.__table__
PEOPLE_TOTALS = CaseKpiPerson.__table__
UNITS, PEOPLE, ANSWERS = Unit.__table__, Person.__table__, ResidentFeedback.__table__
SATISFIED = ("satisfied", "basically_satisfied")
MEASURES = ("received", "resolved", "in_progress", "accepted", "unaccepted", "not_yet_due", "responded_on_time",
            "resolved_on_time", "satisfied", "visited", "resolve_seconds")
WIDE_FILTERS = ("status", "channel", "category")
# The filters each rollup carries; anything else is counted from the cases.
MONTH_FILTERS = {"status", "channel", "category", "community_id", "community", "from", "to"}
ASSIGNEE_FILTERS = {"community_id", "community"}
# Where each grouping's key comes from, on the cases and on case_kpi_month.
CASE_KEYS = {
    "channel": CASES.c.channel,
    "category": CASES.c.category,
    "unit_kind": func.coalesce(UNITS.c.kind, "none"),
    "month": func.to_char(func.timezone("Asia/Shanghai", CASES.c.received_at), "YYYY-MM"),
    "community": COMMUNITIES.c.code,
    "assignee": func.coalesce(cast(CASES.c.assignee_id, String), COMMUNITY_QUEUE),
}
CASES_JOINED = (CASES.join(COMMUNITIES, COMMUNITIES.c.id == CASES.c.community_id)
                .outerjoin(UNITS, UNITS.c.id == CASES.c.unit_id))


def _present(filters):
    return {k: v for k, v in filters.items() if v is not None and v != [] and v is not False}


def answers_rollup(by, filters):
    """Return whether the rollups can answer this grouping under these filters."""
    present = set(_present(filters))
    return present <= (ASSIGNEE_FILTERS if by == "assignee" else MONTH_FILTERS)


def _measures(**given):
    """Return the MEASURES columns in order: the given expressions, zero for the others."""
    return [given.get(name, literal(0)).label(name) for name in MEASURES]


def _cases_part(by, filters):
    """Count the cases matching filters themselves, every measure that does not change with the clock."""
    c = CASES.c

    def counted(*conditions):
        return func.count().filter(and_(*conditions))

    return (select(CASE_KEYS[by].label("key"), *_measures(
        received=func.count(), resolved=counted(c.resolved_at.is_not(None)),
        in_progress=counted(c.status.in_(OPEN_STATUSES)), accepted=counted(c.accepted_at.is_not(None)),
        unaccepted=counted(c.accepted_at.is_(None)),
        responded_on_time=counted(c.accepted_at <= c.response_due_at),
        resolved_on_time=counted(c.resolved_at <= c.resolve_due_at),
        satisfied=counted(c.satisfaction.in_(SATISFIED)), visited=counted(c.satisfaction.is_not(None)),
        resolve_seconds=func.coalesce(func.sum(extract("epoch", c.resolved_at - c.received_at)), 0)))
        .select_from(CASES_JOINED).where(*case_conditions(filters), c.status != "duplicate").group_by(CASE_KEYS[by]))


def _summed(t):
    """The measures of rollup rows t, summed (received leaves duplicates out)."""
    return _measures(received=func.sum(t.n - t.duplicates), resolved=func.sum(t.resolved),
                     in_progress=func.sum(t.in_progress), accepted=func.sum(t.accepted),
                     unaccepted=func.sum(t.unaccepted), responded_on_time=func.sum(t.responded_on_time),
                     resolved_on_time=func.sum(t.resolved_on_time), satisfied=func.sum(t.satisfied),
                     visited=func.sum(t.visited), resolve_seconds=func.sum(t.resolve_seconds))


def month_rollup(filters, *, dimension="channel"):
    """Return (table, conditions) of the rollup rows matching filters (no window): the compact one when it can."""
    kept = {k: v for k, v in filters.items() if k in (*WIDE_FILTERS, "community_id", "community")}
    if any(kept.get(name) for name in WIDE_FILTERS):
        return MONTHS, case_conditions(kept, MONTHS)
    return TOTALS, [*case_conditions(kept, TOTALS), TOTALS.c.dimension == dimension]


def month_window(table, m0, m1):
    """Return the conditions selecting a rollup's whole months [m0, m1)."""
    return ([table.c.month >= m0.date()] if m0 is not None else []) + \
        ([table.c.month < m1.date()] if m1 is not None else [])


def _month_part(by, filters, m0, m1):
    """Sum the rollup's whole months [m0, m1)."""
    table, conditions = month_rollup(filters, dimension=by if by in ("channel", "category", "unit_kind") else "channel")
    t = table.c
    key = {"community": COMMUNITIES.c.code, "month": func.to_char(t.month, "YYYY-MM")}.get(by)
    if key is None:
        key = t[by] if table is MONTHS else t.value
    return (select(key.label("key"), *_summed(t))
            .select_from(table.join(COMMUNITIES, COMMUNITIES.c.id == t.community_id))
            .where(*conditions, *month_window(table, m0, m1)).group_by(key))


def _assignee_key(assignee_id):
    return case((assignee_id == 0, literal(COMMUNITY_QUEUE)), else_=cast(assignee_id, String))


def _assignee_part(filters, only):
    """Sum case_kpi_assignee per assignee (0 is the community queue)."""
    t = ASSIGNEES.c
    key = _assignee_key(t.assignee_id)
    return (select(key.label("key"), *_summed(t))
            .select_from(ASSIGNEES.join(COMMUNITIES, COMMUNITIES.c.id == t.community_id))
            .where(*case_conditions(filters, ASSIGNEES), *([t.assignee_id.in_(only)] if only is not None else []))
            .group_by(key))


def _ranked_ids(session, filters, sort, limit, offset):
    """Return (assignee ids of the page, worst first; how many assignees there are), from two integer sums each.

    City-wide, people come along an index of case_kpi_person and the community queue (0) is merged in;
    for one community its rows of case_kpi_assignee are summed. Ties: more cases first, then the lower id.
    """
    if filters:
        t = ASSIGNEES.c
        in_progress, received = func.sum(t.in_progress), func.sum(t.n - t.duplicates)
        first = in_progress if sort == "in_progress" else received
        grouped = (select(t.assignee_id).where(*case_conditions(filters, ASSIGNEES)).group_by(t.assignee_id)
                   .having(received > 0))
        ids = session.execute(grouped.order_by(first.desc(), received.desc(), t.assignee_id)
                              .limit(limit).offset(offset)).scalars().all()
        return ids, session.execute(select(func.count()).select_from(grouped.subquery())).scalar()
    p, q = PEOPLE_TOTALS.c, ASSIGNEES.c
    received = p.n - p.duplicates
    first = p.in_progress if sort == "in_progress" else received
    ranked = [tuple(r) for r in session.execute(
        select(p.assignee_id, first, received).where(received > 0)
        .order_by(first.desc(), received.desc(), p.assignee_id).limit(offset + limit))]
    groups = session.execute(select(func.count()).where(received > 0)).scalar()
    queue_open, queue_received = session.execute(
        select(func.sum(q.in_progress), func.sum(q.n - q.duplicates)).where(q.assignee_id == 0)).one()
    if queue_received:
        ranked.append((0, queue_open if sort == "in_progress" else queue_received, queue_received))
        groups += 1
    ranked.sort(key=lambda r: (-r[1], -r[2], r[0]))
    return [r[0] for r in ranked[offset:offset + limit]], groups


def assignee_page(session, filters, sort, limit, offset):
    """Return the select() of a page of assignees ranked by sort (in_progress or received, worst first) and their KPIs.

    The ranking never aggregates every assignee of a city (see _ranked_ids); the full KPIs are summed for
    the page's assignees only. Columns as kpis.kpi_select's, with rank and groups.
    """
    filters = _present(filters)
    ids, groups = _ranked_ids(session, filters, sort, limit, offset)
    kpis = rollup_kpis("assignee", filters, only=ids or [-1]).subquery("kpis")
    rank = case({(COMMUNITY_QUEUE if i == 0 else str(i)): n for n, i in enumerate(ids, 1)}, value=kpis.c.key,
                else_=0) if ids else literal(0)
    return select(kpis, rank.label("rank"), literal(groups).label("groups"))


def _only(only):
    """The conditions keeping the cases of some assignees (0: the community queue), or none."""
    return [func.coalesce(CASES.c.assignee_id, 0).in_(only)] if only is not None else []


def _not_yet_due_part(by, filters, only=None):
    """Count the never-accepted cases whose response deadline is still ahead (ix_civic_case_unaccepted_due)."""
    c = CASES.c
    return (select(CASE_KEYS[by].label("key"), *_measures(not_yet_due=func.count()))
            .select_from(CASES_JOINED)
            .where(*case_conditions(filters), *_only(only), c.accepted_at.is_(None), c.status != "duplicate",
                   c.response_due_at >= func.now())
            .group_by(CASE_KEYS[by]))


def _answers_part(by, filters, only=None):
    """Correct the cadre's 回访 by each case's latest resident answer, where there is one."""
    c = CASES.c
    latest = (select(ANSWERS.c.case_id, ANSWERS.c.satisfaction).ext(distinct_on(ANSWERS.c.case_id))
              .order_by(ANSWERS.c.case_id, ANSWERS.c.at.desc(), ANSWERS.c.id.desc()).subquery("resident"))
    theirs = cast(latest.c.satisfaction.in_(SATISFIED), Integer)
    ours = func.coalesce(cast(c.satisfaction.in_(SATISFIED), Integer), 0)
    return (select(CASE_KEYS[by].label("key"), *_measures(
        satisfied=func.sum(theirs - ours), visited=func.sum(1 - cast(c.satisfaction.is_not(None), Integer))))
        .select_from(CASES_JOINED.join(latest, latest.c.case_id == c.id))
        .where(*case_conditions(filters), *_only(only), c.status != "duplicate").group_by(CASE_KEYS[by]))


def rollup_kpis(by, filters, *, only=None):
    """Return the select() of the KPI counts per key, with the columns kpis.kpi_select gives, from the rollups.

    only (by assignee): the assignee ids (0: the community queue) to count, a list or a select().
    """
    filters = _present(filters)
    if by == "assignee":
        parts = [_assignee_part(filters, only)]
    else:
        m0, m1, ragged = split_window(filters.get("from"), filters.get("to"))
        parts = [] if (m0 is None and m1 is None and ragged) else [_month_part(by, filters, m0, m1)]
        parts += [_cases_part(by, filters | {"from": start, "to": end}) for start, end in ragged]
    parts += [_not_yet_due_part(by, filters, only), _answers_part(by, filters, only)]
    summed = union_all(*parts).subquery("parts")
    total = {name: func.sum(summed.c[name]) for name in MEASURES}
    return (select(summed.c.key.label("key"), cast(total["received"], Integer).label("received"),
                   cast(total["resolved"], Integer).label("resolved"),
                   cast(total["in_progress"], Integer).label("in_progress"),
                   cast(total["responded_on_time"], Integer).label("responded_on_time"),
                   cast(total["accepted"] + total["unaccepted"] - total["not_yet_due"], Integer).label("response_due"),
                   cast(total["resolved_on_time"], Integer).label("resolved_on_time"),
                   cast(total["satisfied"], Integer).label("satisfied"),
                   cast(total["visited"], Integer).label("visited"),
                   (cast(total["resolve_seconds"], Float) / 3600.0 / func.nullif(total["resolved"], 0))
                   .label("mean_hours"))
            .group_by(summed.c.key).having(total["received"] > 0).order_by(summed.c.key))


def with_people(grouped):
    """Add person_name and person_role to grouped assignee rows (a select with a `key` column), one lookup each."""
    rows = grouped.subquery("grouped")
    person_id = cast(func.nullif(rows.c.key, COMMUNITY_QUEUE), Integer)
    role = (select(func.min(CASES.c.assignee_role))
            .where(CASES.c.assignee_id == person_id, CASES.c.status != "duplicate").correlate(rows).scalar_subquery())
    return (select(rows, PEOPLE.c.name.label("person_name"), role.label("person_role"))
            .select_from(rows.outerjoin(PEOPLE, PEOPLE.c.id == person_id)).order_by(rows.c.rank))
