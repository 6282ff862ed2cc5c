"""The reporter's loop end to end: the resident who ticked the box gets an SMS on dispatch and on resolution, the
latter with a single-use 回访 link; 不满意 there puts the case back in the assignee's list and tells them."""

import pytest
from sqlalchemy import text

from geo_app.extensions import db
from tests.conftest import token_for
from tests.factories import case_body, point_in_building
from tests.receivers import running, sms_gateway, wecom_robot
from tests.services.notify.test_worker import deliver_now, notify_config

pytestmark = [pytest.mark.committed_db, pytest.mark.slow]

REPORTER = "13700001111"


def deliver(app):
    deliver_now(app, concurrency=2)


def to_reporter(gateway):
    return [body for body in gateway.json_bodies() if body["phone"] == REPORTER]


def test_the_reporter_hears_twice_answers_dissatisfied_and_the_case_goes_back(make_app):
    with running(wecom_robot()) as robot, running(sms_gateway()) as gateway:
        app = make_app(**notify_config(robot, gateway))
        public, chief = app.test_client(), app.test_client()
        token = token_for(app, "chief")
        chief.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        quiet = public.post("/api/v1/cases", json=case_body(**point_in_building("BD01"), category="dispute",
                                                              reporter_phone="13700002222"))
        posted = public.post("/api/v1/cases", json=case_body(**point_in_building("BD01"), category="dispute",
                                                               reporter_phone=REPORTER, notify=True))
        assert quiet.status_code == 201 and posted.status_code == 201, posted.get_json()
        code = posted.get_json()["code"]
        deliver(app)
        (dispatched,) = to_reporter(gateway)
        assert dispatched["template"] == "reporter_dispatched" and dispatched["params"]["code"] == code
        assert not [b for b in gateway.json_bodies() if b["phone"] == "13700002222"], "no consent, no SMS"

        version = chief.get(f"/api/v1/cases/{code}").get_json()["version"]
        for action, extra in (("accept", {}), ("start", {}), ("resolve", {"note": "已调解，双方签字"})):
            answer = chief.post(f"/api/v1/cases/{code}/transitions", json={"action": action, "version": version,
                                                                           **extra})
            assert answer.status_code == 200, answer.get_json()
            version = answer.get_json()["version"]
        deliver(app)
        resolved = to_reporter(gateway)[-1]
        assert resolved["template"] == "resolved" and len(to_reporter(gateway)) == 2
        token = resolved["params"]["token"]
        assert len(token) <= 25, "fits an SMS template variable"
        shown = public.get(f"/api/v1/feedback/{token}").get_json()
        assert shown["resolution_note"] == "已调解，双方签字"
        answered = public.post(f"/api/v1/feedback/{token}", json={"satisfaction": "不满意", "comment": "没解决"})
        assert answered.status_code == 200 and answered.get_json()["reopened"]
        assert public.post(f"/api/v1/feedback/{token}", json={"satisfaction": "满意"}).status_code == 410

        mine = chief.get("/api/v1/me/cases").get_json()["cases"]
        assert code in [c["code"] for c in mine], "back in the 楼栋长's list"
        deliver(app)
        reopened = [b for b in robot.json_bodies() if b["msgtype"] == "text" and code in b["text"]["content"]
                    and "重新办理" in b["text"]["content"]]
        assert len(reopened) == 1
    with app.app_context():
        kinds = db.session.execute(text(
            "SELECT n.kind, n.state FROM notification n JOIN civic_case c ON c.id = n.case_id "
            "WHERE c.code = :c AND n.address = :phone ORDER BY n.id"), {"c": code, "phone": REPORTER}).all()
    assert [tuple(k) for k in kinds] == [("reporter_dispatched", "sent"), ("resolved", "sent")]
