"""The login page and logout."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..services.accounts import authenticate, log_admin_action
from .blueprint import bp


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
        user = authenticate(db.session, form.username.data, form.password.data)
        if user is None:
            error = "用户名或密码错误"
            log_admin_action(db.session, form.username.data or "?", "login.failed", address=request.remote_addr)
            db.session.commit()
        else:
            login_user(user)
            log_admin_action(db.session, user.username, "login", address=request.remote_addr)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    logout_user()
    flash("已退出登录")
    return redirect(url_for("auth.login"))


@bp.get("/after-login")
def after_login():
    return redirect("/map")
