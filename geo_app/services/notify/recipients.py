"""Who hears of a case: its facts as a message needs them, its assignee, its community's cadres."""

from sqlalchemy import text

from ..clock import LOCAL_TZ

CASE_FACTS = text("""
    SELECT c.id, c.code, c.title, c.address, c.urgency, c.status, c.community_id, c.assignee_id, c.accepted_at,
           c.resolved_at, c.response_due_at, c.resolve_due_at, c.resolution_note, c.reporter_phone, c.notify,
           co.code AS community_code, co.name AS community_name, u.name AS unit_name,
           a.name AS assignee_name, a.phone AS assignee_phone,
           (SELECT coalesce(g.code, g.natural_key) FROM unit g
             WHERE g.kind = 'grid' AND g.community_id = c.community_id AND ST_Covers(g.geom, c.geom)
             ORDER BY g.id LIMIT 1) AS grid_code
      FROM civic_case c JOIN community co ON co.id = c.community_id
      LEFT JOIN unit u ON u.id = c.unit_id LEFT JOIN person a ON a.id = c.assignee_id
     WHERE c.id = :id
""")
PERSON = text("""
    SELECT p.id AS person_id, p.name, p.phone, p.email,
           ARRAY(SELECT u.id FROM app_user u WHERE u.person_id = p.id AND u.active ORDER BY u.id) AS user_ids
      FROM person p WHERE p.id = :id
""")
CADRES = text("""
    SELECT p.id AS person_id, coalesce(p.name, u.username) AS name, p.phone, p.email, ARRAY[u.id] AS user_ids
      FROM app_user u LEFT JOIN person p ON p.id = u.person_id
     WHERE u.role = 'cadre' AND u.community_id = :cid AND u.active ORDER BY u.id
""")
URGENT = ("urgent", "critical")


def case_facts(session, case_id):
    """Return the case row a notification is written from."""
    return session.execute(CASE_FACTS, {"id": case_id}).one()


def person(session, person_id):
    """Return a person as a recipient (phone, e-mail, the accounts whose inbox they read), or None."""
    return session.execute(PERSON, {"id": person_id}).first() if person_id else None


def cadres(session, community_id):
    """Return the community's active cadre accounts as recipients."""
    return session.execute(CADRES, {"cid": community_id}).all()


def china_time(moment):
    """Return a moment as China time for a message: 2026-12-01 18:00."""
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else "无"


def robot_ref(case):
    """Name the robot a case's group messages go to: its grid's when configured, else its community's."""
    return f"{case.community_code}/{case.grid_code}" if case.grid_code else case.community_code


def base_params(case):
    """Return the facts every message about a case carries."""
    return {"code": case.code, "title": case.title, "place": case.address or case.unit_name or "（未注明）",
            "path": f"/cases/{case.code}", "assignee": case.assignee_name or "社区党委"}
