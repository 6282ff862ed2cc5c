"""GET /api/v1/heat for the public: fixed slices only (see services/public_heat.py)."""

from flask import current_app, request

from ..errors import ValidationError
from ..extensions import db
from ..headers import PUBLIC_MAX_AGE
from ..schemas import PublicHeatQuery
from ..services.public_heat import ALLOWED_PARAMETERS, PublicHeatPolicy, parse_month, public_heat_cells
from .blueprint import bp
from .conditional import versioned_json
from .params import args_as


@bp.record_once
def refuse_bad_policy(state):
    """Refuse to start when a sensitive channel or category is misspelt (the real one would be published)."""
    PublicHeatPolicy.from_config(state.app.config)


def allowed_text():
    """Return the Chinese sentence naming what the public heatmap may be asked."""
    listed = "、".join(f"{name}（{meaning}）" for name, meaning in ALLOWED_PARAMETERS.items())
    return (f"公众热力图只提供固定切片：不带 month 为最近 12 个完整月，month=YYYY-MM 为某一个月；"
            f"可用参数只有 {listed}")


def public_heat():
    """Answer a public heat request, refusing any filter or free date range with a 400 naming what is allowed."""
    for name in request.args:
        if name not in ALLOWED_PARAMETERS:
            raise ValidationError(f"公众热力图不接受参数 {name[:40]}。{allowed_text()}。"
                                  "(the public heatmap offers fixed slices only)", field=name[:40],
                                  details={"allowed": sorted(ALLOWED_PARAMETERS)})
    policy = PublicHeatPolicy.from_config(current_app.config)
    if not request.args.get("bbox"):
        raise ValidationError(f"公众热力图需要 bbox=minlon,minlat,maxlon,maxlat（地图视图的范围）。{allowed_text()}。",
                              field="bbox")
    query = args_as(PublicHeatQuery)
    month = parse_month(query.month) if query.month else None
    zoom = query.zoom if query.zoom is not None else policy.max_zoom
    asked = {"public": policy, "month": month, "zoom": zoom, "bbox": query.bbox}
    return versioned_json(asked, lambda: public_heat_cells(db.session, policy, month=month, zoom=zoom, bbox=query.bbox),
                          cache_control=f"public, max-age={PUBLIC_MAX_AGE['api.heat']}")
