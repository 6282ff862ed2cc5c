"""The login page and logout."""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..services.accounts import log_admin_action
from ..services.login import LoginPolicy, authenticate
from ..services.sessions import SessionPolicy, end_session, start_session
from .blueprint import bp
from .identity import authenticated_by_token

# One answer for every refusal: an unknown user, a wrong password, a disabled or a locked account.
LOGIN_REFUSED = "用户名或密码错误，或尝试次数过多（请稍后再试）"


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired(), Length(max=200)])


def _safe_next(target):
    if not target:
        return url_for("auth.after_login")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("auth.after_login")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = authenticate(db.session, form.username.data, form.password.data,
                            policy=LoginPolicy.from_config(current_app.config), address=request.remote_addr)
        if user is None:
            error = LOGIN_REFUSED
            db.session.commit()  # the failure counts, and is logged, although the login is refused
        else:
            user.session_token = start_session(db.session, user, policy=SessionPolicy.from_config(current_app.config),
                                               address=request.remote_addr)
            session.clear()  # nothing from before the login (a planted value, an old CSRF token) carries over
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    """End this server-side session, so its cookie is refused even if someone kept a copy."""
    if current_user.is_authenticated and not authenticated_by_token() and current_user.get_id():
        end_session(db.session, current_user.get_id())
        log_admin_action(db.session, current_user.username, "logout", address=request.remote_addr)
        db.session.commit()
    logout_user()
    session.clear()
    flash("已退出登录")
    return redirect(url_for("auth.login"))


@bp.get("/after-login")
def after_login():
    """Send a 楼栋长 (and the other chiefs) to their own to-do list, staff who dispatch to the map."""
    if current_user.is_authenticated and current_user.role == "chief":
        return redirect(url_for("web.workbench"))
    return redirect(url_for("web.cadre_map"))
