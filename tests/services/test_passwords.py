"""The password policy: long enough, not common, not guessable, not the user name; everywhere a password is set."""

import pytest

from geo_app.errors import ValidationError
from geo_app.services.demo import DEMO_ACCOUNTS
from geo_app.services.passwords import check_password_policy


@pytest.mark.parametrize("password,rule,words", [
    ("12345678", "password_too_short", "至少需要 10 个字符"),
    ("mingzhu1", "password_too_short", "至少需要 10 个字符"),
    ("1234567890", "password_common", "常用密码"),
    ("qwertyuiop", "password_common", "常用密码"),
    ("PASSWORD123", "password_common", "常用密码"),
    ("1111111111", "password_guessable", "容易猜到"),
    ("abcd123456", "password_guessable", "容易猜到"),
    ("wangwei-2026", "password_contains_username", "用户名"),
    ("WangWei", "password_too_short", "至少需要"),
    ("x" * 201, "password_too_long", "最多 200 个字符"),
])
def test_weak_passwords_are_refused_naming_the_rule(password, rule, words):
    with pytest.raises(ValidationError) as refused:
        check_password_policy(password, "wangwei")
    assert refused.value.code == rule and refused.value.field == "password" and words in refused.value.message


@pytest.mark.parametrize("password", ["hongchang-xunluo-17", "楼道灯三楼坏了记得报修", "Tz8#qL2m!vR5"])
def test_good_passwords_pass(password):
    check_password_policy(password, "wangwei")


def test_a_short_user_name_is_refused_only_as_the_whole_password():
    check_password_policy("lixiaohong-2026", "li")
    with pytest.raises(ValidationError):
        check_password_policy("li", "li")


@pytest.mark.parametrize("username,role,password,_", DEMO_ACCOUNTS)
def test_the_demo_accounts_meet_the_policy(username, role, password, _):
    check_password_policy(password, username)


def test_the_cli_refuses_a_weak_password_in_chinese(app, cli_runner):
    result = cli_runner(app, ["users", "add", "newcadre", "--role", "cadre", "--community", "mingzhu",
                              "--password", "12345678"])
    assert result.exit_code == 1 and "密码太短" in result.output
    result = cli_runner(app, ["users", "add", "newcadre", "--role", "cadre", "--community", "mingzhu",
                              "--password", "newcadre-2026"])
    assert result.exit_code == 1 and "用户名" in result.output
    result = cli_runner(app, ["users", "password", "cadre", "--password", "1234567890"])
    assert result.exit_code == 1 and "常用密码" in result.output
    result = cli_runner(app, ["users", "password", "cadre"], input="hongchang-ganbu-2026\nhongchang-ganbu-2026\n")
    assert result.exit_code == 0, result.output
    assert cli_runner(app, ["users", "password", "nobody", "--password", "hongchang-ganbu-2026"]).exit_code == 1
