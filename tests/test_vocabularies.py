"""Every vocabulary is defined once and derived everywhere else: the schemas, the maps, the SQL, the browser."""

import re
import typing
from pathlib import Path

import pytest

from geo_app import schemas
from geo_app.maps.cadre import LAYER_ORDER, LAYER_STYLES
from geo_app.maps.cases import STATUS_COLORS
from geo_app.maps.sites import SITE_COLORS
from geo_app.models import ACTIONS, ROLES, SITE_KINDS, STATUSES, UNIT_KIND_RANK, UNIT_KINDS
from geo_app.services.catalog import VOCABULARIES
from geo_app.services.lookup import KIND_RANKS, LOOKUP
from geo_app.services.transitions import REQUIRED_FIELD, TRANSITIONS

STATIC_JS = Path(__file__).resolve().parents[1] / "static" / "js"
STRING = re.compile(r""""([^"\\\n]*)"|'([^'\\\n]*)'""")
ARRAY = re.compile(r"\[[^\[\]]*\]")


def literal_choices(model, field):
    annotation = model.model_fields[field].annotation
    if typing.get_origin(annotation) is not typing.Literal:  # Literal[…] | None
        (annotation,) = [arg for arg in typing.get_args(annotation) if typing.get_origin(arg) is typing.Literal]
    return list(typing.get_args(annotation))


def test_the_workflow_speaks_the_vocabulary():
    assert list(TRANSITIONS) == list(ACTIONS)
    for sources, target in TRANSITIONS.values():
        assert set(sources) <= set(STATUSES) and (target is None or target in STATUSES)
    assert set(REQUIRED_FIELD) <= set(ACTIONS)


@pytest.mark.parametrize("model,field,vocabulary", [
    (schemas.TransitionIn, "action", ACTIONS),
    (schemas.UnitsQuery, "kind", UNIT_KINDS),
    (schemas.PeopleQuery, "role", ROLES),
    (schemas.NearestQuery, "kind", SITE_KINDS),
    (schemas.SitesQuery, "kind", SITE_KINDS),
])
def test_the_schemas_offer_exactly_the_vocabulary(model, field, vocabulary):
    assert literal_choices(model, field) == list(vocabulary)


def test_every_code_has_its_colour_and_the_layers_their_rank():
    assert set(STATUS_COLORS) == set(STATUSES)
    assert set(SITE_COLORS) == set(SITE_KINDS)
    assert set(LAYER_STYLES) == set(UNIT_KINDS)
    assert [UNIT_KIND_RANK[kind] for kind in LAYER_ORDER] == sorted(UNIT_KIND_RANK.values(), reverse=True)
    assert dict(zip(KIND_RANKS["rank_kinds"], KIND_RANKS["ranks"], strict=True)) == UNIT_KIND_RANK
    for kind in UNIT_KIND_RANK:  # the lookup's ranks are bound from the model, not written into its SQL
        assert f"'{kind}'" not in LOOKUP.text


@pytest.mark.parametrize("script", sorted(STATIC_JS.glob("*.js")), ids=lambda p: p.name)
def test_the_browser_gets_its_vocabularies_from_the_server(script):
    """No script lists a vocabulary's codes or labels, nor names a workflow action: they come from the server."""
    source = script.read_text(encoding="utf-8")
    for array in ARRAY.findall(source):
        strings = {a or b for a, b in STRING.findall(array)}
        for name, vocabulary in VOCABULARIES.items():
            assert len(strings & (set(vocabulary) | set(vocabulary.values()))) < 2, (name, array)
    strings = {a or b for a, b in STRING.findall(source)}
    assert strings & (set(ACTIONS) - {"close"}) == set(), "an action's code (close: the form's close button)"
