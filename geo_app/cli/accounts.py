"""The `minqing users` and `minqing points` commands: accounts and 爱心超市 ledgers."""

import click

from ..models import USER_ROLES
from .common import cli_actor, community_option, in_transaction

# -- users ----------------------------------------------------------------------------------------

@click.group("users")
def users():
    """Accounts: admin, cadre (社区干部), chief (四长 and grid workers)."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(list(USER_ROLES)), required=True)
@click.option("--community", "community_code", help="Community code (required for cadre and chief).")
@click.option("--person", "person_id", type=int, help="For a chief: the id of the person the account acts for.")
@click.option("--password", help="Password (prompted for when omitted).")
@in_transaction
def users_add(session, username, role, community_code, person_id, password):
    """Create an account (password: at least 10 characters, not common, not containing the user name)."""
    from ..services.accounts import add_user

    if password is None:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    add_user(session, username, role, password, community_code=community_code, person_id=person_id, actor=cli_actor())
    click.echo(f"user {username} ({role}) created")


@users.command("token")
@click.argument("username")
@in_transaction
def users_token(session, username):
    """Issue a new API token (replacing the old one) and print it once."""
    from ..services.accounts import issue_token

    click.echo(issue_token(session, username, actor=cli_actor()))


@users.command("list")
@in_transaction
def users_list(session):
    """List accounts."""
    from ..services.accounts import list_users

    for row in list_users(session):
        click.echo(f"{row['username']:<16} {row['role']:<6} {row['community'] or '-':<10} {row['person'] or '-':<8} "
                   f"{'active' if row['active'] else 'disabled'}{' token' if row['has_token'] else ''}")


@users.command("disable")
@click.argument("username")
@in_transaction
def users_disable(session, username):
    """Disable an account (its sessions end and its token stops working)."""
    from ..services.accounts import set_active

    set_active(session, username, False, actor=cli_actor())
    click.echo(f"user {username} disabled")


@users.command("password")
@click.argument("username")
@click.option("--password", help="The new password (prompted for when omitted).")
@in_transaction
def users_password(session, username, password):
    """Set a new password (at least 10 characters, not common, not the user name); every session of it ends."""
    from ..services.accounts import set_password

    if password is None:
        password = click.prompt("new password", hide_input=True, confirmation_prompt=True)
    set_password(session, username, password, actor=cli_actor())
    click.echo(f"password of {username} changed; its sessions have ended")


@click.group("points")
def points():
    """爱心超市 points: balances, credits and redemptions per household."""


@points.command("summary")
@community_option()
@in_transaction
def points_summary(session, community_code):
    """Households, points earned, redeemed and outstanding."""
    from ..services.points import summary

    result = summary(session, community_code)
    click.echo(f"{result['households']} households, {result['earned']} points earned, "
               f"{result['redeemed']} redeemed, {result['balance']} outstanding")


@points.command("balance")
@click.argument("household")
@community_option()
@in_transaction
def points_balance(session, household, community_code):
    """A household's balance and ledger."""
    from ..services.points import account

    result = account(session, community_code, household)
    click.echo(f"{result['household']}: {result['balance']} points")
    for entry in result["entries"]:
        sign = "+" if entry["kind"] == "earn" else "-"
        click.echo(f"  {entry['at'][:10]} {sign}{entry['points']:>5} → {entry['balance_after']:>5}  {entry['reason']}")


def _points_change(model, household, amount, reason):
    """Validate a ledger change as the API does: the same schema, the same limits and messages."""
    from ..schemas import Household, validate, validate_value

    return validate_value(Household, household, "household"), validate(model, {"points": amount, "reason": reason})


@points.command("earn")
@click.argument("household")
@click.argument("amount", type=int)
@click.option("--reason", required=True)
@community_option()
@in_transaction
def points_earn(session, household, amount, reason, community_code):
    """Credit a household."""
    from ..schemas import EarnIn
    from ..services.importing import community_id
    from ..services.points import earn

    household, change = _points_change(EarnIn, household, amount, reason)
    balance = earn(session, community_id(session, community_code), household, change.points, change.reason)
    click.echo(f"{household}: {balance} points")


@points.command("redeem")
@click.argument("household")
@click.argument("amount", type=int)
@click.option("--reason", default="爱心超市兑换", show_default=True)
@community_option()
@in_transaction
def points_redeem(session, household, amount, reason, community_code):
    """Redeem points at the 爱心超市; refused beyond the balance."""
    from ..schemas import PointsIn
    from ..services.importing import community_id
    from ..services.points import redeem

    household, change = _points_change(PointsIn, household, amount, reason)
    balance = redeem(session, community_id(session, community_code), household, change.points, change.reason)
    click.echo(f"{household}: {balance} points")
