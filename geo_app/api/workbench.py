"""我的待办 (the assignee's open cases), the reporter's phone revealed to the assignee, and the reporter's 回访."""

from flask import current_app, jsonify, request

from ..auth import current_viewer
from ..extensions import db
from ..schemas import FeedbackIn
from ..services import case_store, feedback, workbench
from ..services.access import check_case_visible, require_role
from ..services.cases import CasePolicy
from .blueprint import bp
from .params import body_as


@bp.get("/me/cases")
def my_cases():
    viewer = current_viewer()
    policy = workbench.WorkbenchPolicy.from_config(current_app.config)
    return jsonify(workbench.my_cases(db.session, viewer, policy=policy))


@bp.post("/cases/<code>/reporter-phone")
def reveal_reporter_phone(code):
    """Answer the full phone to the case's current assignee; every answer is written to the reveal log."""
    answer = workbench.reveal_reporter_phone(db.session, current_viewer(), code)
    db.session.commit()
    return jsonify(answer)


@bp.post("/cases/<code>/feedback-link")
def feedback_link(code):
    """Issue a 回访 link for a resolved case, for a cadre to pass on by hand (the SMS on resolution sends its own)."""
    viewer = current_viewer()
    require_role(viewer, "admin", "cadre")
    check_case_visible(viewer, case_store.get_case_row(db.session, code))
    path = feedback.feedback_link_for(db.session, code)
    db.session.commit()
    return jsonify({"path": path, "url": request.host_url.rstrip("/") + path}), 201


@bp.get("/feedback/<token>")
def read_feedback(token):
    return jsonify(feedback.read_feedback(db.session, token))


@bp.post("/feedback/<token>")
def answer_feedback(token):
    answer = body_as(FeedbackIn)
    result = feedback.answer_feedback(db.session, token, answer, policy=CasePolicy.from_config(current_app.config))
    db.session.commit()
    return jsonify(result)
