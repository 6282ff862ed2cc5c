"""Actors as people read them: a person's role and name, a role, or what a fixed actor stands for."""

from sqlalchemy import text

from geo_app.services.actors import account_label, actor_labels


def test_accounts_read_as_people_and_roles_never_as_account_names(session):
    chief_name = session.execute(text("SELECT p.name FROM app_user u JOIN person p ON p.id = u.person_id "
                                      "WHERE u.username = 'chief'")).scalar_one()
    labels = actor_labels(session, ["chief", "cadre", "admin", "system", "public", "demo", "cli:root", "群众回访",
                                    "gone-account"])
    assert labels == {
        "chief": f"楼栋长 {chief_name}", "cadre": "社区干部", "admin": "管理员", "system": "系统自动",
        "public": "居民", "demo": "演示数据", "cli:root": "系统管理员", "群众回访": "群众回访", "gone-account": "系统",
    }
    assert account_label(session, "chief") == labels["chief"]
