"""Write a deterministic synthetic city straight into a migrated database through COPY.

Every row goes into the app's own tables (the Alembic schema, constraints and foreign keys
checked), with explicit ids and timestamps, so the same Spec gives byte-identical tables:
communities, their streets/lanes/shops/buildings/grids, the people responsible for them, a
year of cases, and sites. Case events are not written (nothing the benchmark measures reads them).
"""

import hashlib
import io
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely

from geo_app.config import CASE_DEADLINES_DEFAULT
from geo_app.models import CATEGORIES, CHANNELS, SITE_KIND_LABELS, SITE_KINDS
from geo_app.models import STATUSES as CASE_STATUSES
from geo_app.services.demo_cases import TAGS_BY_CATEGORY, TITLES
from geo_app.services.tracking import ALPHABET, GROUP, LENGTH

from .layout import DEFAULT_SEED, LANE_COLS, LANE_ROWS, Layout, Spec
from .names import person_name, phone_number

logger = logging.getLogger(__name__)

TZ = ZoneInfo("Asia/Shanghai")
# The case year ends at the start of this day (China time); every timestamp is derived from it.
YEAR_END = datetime(2025, 7, 1, tzinfo=TZ)
STAMP = "2025-07-01 00:00:00+08"
SINCE, FORMER_SINCE, FORMER_UNTIL = "2023-01-01", "2021-01-01", "2023-01-01"
BUILDING_CHIEF_SHARE = 0.95
FORMER_CHIEF_SHARE = 0.02
CASES_IN_BUILDINGS = 0.65
SHOP_EVERY = 10  # building k has a shop on its ground floor when k % SHOP_EVERY == 3
CASE_CHUNK = 200_000
TABLES = ("community", "unit", "person", "responsibility", "civic_case", "site", "site_activity", "case_counter")

CHANNEL_WEIGHTS = {"night_talk": 3, "mailbox": 5, "lawyer": 2, "grid_worker": 25, "rider": 12, "patrol": 5,
                   "resident": 25, "hotline_12345": 20, "other": 3}
CATEGORY_WEIGHTS = {"dispute": 15, "hardship": 10, "suggestion": 12, "hazard": 18, "legal": 5, "sentiment": 5,
                    "environment": 30, "other": 5}
STATUSES = tuple(CASE_STATUSES)  # workflow order; the weights below follow it
STATUS_WEIGHTS_OLD = (1, 2, 2, 4, 20, 40, 25, 2, 4)
STATUS_WEIGHTS_RECENT = (5, 15, 15, 20, 20, 15, 4, 3, 3)
STAGE = {"received": 0, "dispatched": 1, "accepted": 2, "in_progress": 3, "resolved": 4, "visited": 5, "closed": 6,
         "returned": 1, "duplicate": 0}
URGENCY_WEIGHTS = {"normal": 90, "urgent": 8, "critical": 2}
SATISFACTION_WEIGHTS = {"satisfied": 80, "basically_satisfied": 15, "dissatisfied": 5}
NULL = "\\N"


def _probabilities(weights):
    values = np.array(list(weights), dtype=float)
    return values / values.sum()


def _hex_polygons(x0, y0, x1, y1):
    """Return hex EWKB (SRID 4326) MULTIPOLYGONs for arrays of rectangles."""
    boxes = shapely.box(np.asarray(x0), np.asarray(y0), np.asarray(x1), np.asarray(y1))
    multi = shapely.multipolygons(boxes, indices=np.arange(len(boxes)))
    return shapely.to_wkb(shapely.set_srid(multi, 4326), hex=True, include_srid=True)


def _tracking_codes(ids, seed):
    """Return distinct, seeded tracking codes (K7QM4-XD29P) for case ids: the same city gets the same codes.

    The database would draw random ones (migration 0007); an odd multiplier and an offset modulo 2**50 keep
    them distinct and reproducible, which is all a synthetic city needs.
    """
    bits = 5 * LENGTH
    mixed = (ids.astype(np.uint64) * np.uint64(0x2545F4914F6CDD1D) + np.uint64(seed * 7919)) & np.uint64(2 ** bits - 1)
    letters = np.array(list(ALPHABET))
    digits = [letters[((mixed >> np.uint64(5 * k)) & np.uint64(31)).astype(np.int64)] for k in range(LENGTH - 1, -1, -1)]
    codes = np.full(len(ids), "", dtype=f"<U{LENGTH + 1}")
    for position, column in enumerate(digits):
        codes = np.char.add(codes, column)
        if position == GROUP - 1:
            codes = np.char.add(codes, "-")
    return codes


def _hex_points(lon, lat):
    return shapely.to_wkb(shapely.set_srid(shapely.points(lon, lat), 4326), hex=True, include_srid=True)


def building_rects(layout, community):
    """Return (x0, y0, x1, y1) arrays of a community's building footprints, cell order (row by row)."""
    count = layout.spec.buildings_in(community)
    rng = np.random.default_rng([layout.spec.seed, 1, community])
    k = np.arange(count)
    ox, oy = layout.cell_origin(community)
    cx, cy = ox + (k % layout.nx) * layout.cell_lon, oy + (k // layout.nx) * layout.cell_lat
    inset = rng.uniform(2.5, 7.0, size=(4, count)) / 30.0  # metres of margin as a share of the 30 m cell
    return (cx + inset[0] * layout.cell_lon, cy + inset[1] * layout.cell_lat,
            cx + (1 - inset[2]) * layout.cell_lon, cy + (1 - inset[3]) * layout.cell_lat)


@dataclass
class World:
    """The units and chiefs of every community, as padded arrays the case generator indexes."""

    layout: Layout
    building_id: np.ndarray  # (communities, nx*ny), 0 where no building
    rects: np.ndarray  # (4, communities, nx*ny)
    building_chief: np.ndarray  # person id or 0
    shop_chief: np.ndarray  # person id or 0, per building cell
    lane_id: np.ndarray  # (communities, streets*lanes_per_street)
    lane_chief: np.ndarray
    counts: dict = field(default_factory=dict)


class _Rows:
    """Accumulate COPY text rows for one table."""

    def __init__(self, table, columns):
        self.table, self.columns, self.buffer, self.count = table, columns, io.StringIO(), 0

    def add(self, *values):
        self.buffer.write("\t".join(NULL if v is None else str(v) for v in values) + "\n")
        self.count += 1

    def copy(self, cur):
        self.buffer.seek(0)
        cur.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN", self.buffer)
        return self.count


def _build_units(layout, skip_kinds):
    """Return the COPY rows for communities, units, people and responsibilities, and the World."""
    spec, n = layout.spec, layout.spec.communities
    cells, lanes_n = layout.nx * layout.ny, layout.streets * layout.lanes_per_street
    world = World(layout, np.zeros((n, cells), np.int64), np.zeros((4, n, cells)), np.zeros((n, cells), np.int64),
                  np.zeros((n, cells), np.int64), np.zeros((n, lanes_n), np.int64), np.zeros((n, lanes_n), np.int64))
    communities = _Rows("community", ("id", "code", "name", "town", "boundary", "created_at", "updated_at"))
    units = _Rows("unit", ("id", "community_id", "kind", "code", "name", "natural_key", "address", "geom",
                           "parent_id", "source_file", "created_at", "updated_at"))
    people = _Rows("person", ("id", "community_id", "name", "phone", "party_member", "organisation", "created_at",
                              "updated_at"))
    duties = _Rows("responsibility", ("id", "community_id", "unit_id", "person_id", "role", "since", "until",
                                      "created_at", "updated_at"))
    next_id = {"unit": 0, "person": 0, "duty": 0}

    def new_id(kind):
        next_id[kind] += 1
        return next_id[kind]

    def add_chief(cid, unit_id, role, organisation, since=SINCE, until=None):
        pid = new_id("person")
        people.add(pid, cid, person_name(spec.seed, pid), phone_number(pid), "true" if pid % 3 else "false",
                   organisation, STAMP, STAMP)
        duties.add(new_id("duty"), cid, unit_id, pid, role, since, until, STAMP, STAMP)
        return pid

    cl, ct = layout.cell_lon, layout.cell_lat
    for ci in range(n):
        cid, code = ci + 1, f"C{ci + 1:03d}"
        rng = np.random.default_rng([spec.seed, 2, ci])
        minlon, minlat, maxlon, maxlat = layout.community_extent(ci)
        communities.add(cid, code, f"模拟第{ci + 1}社区", "模拟街道", _hex_polygons([minlon], [minlat], [maxlon],
                                                                                  [maxlat])[0], STAMP, STAMP)
        ox, oy = layout.cell_origin(ci)
        street_ids = []
        for s in range(layout.streets):
            x0, x1 = ox + s * LANE_COLS * cl, ox + (s + 1) * LANE_COLS * cl
            uid = new_id("unit")
            street_ids.append(uid)
            units.add(uid, cid, "street", f"{code}-S{s + 1:02d}", f"第{s + 1}路", f"{code}-S{s + 1:02d}", None,
                      _hex_polygons([x0], [oy], [x1], [oy + layout.ny * ct])[0], None, "bench", STAMP, STAMP)
            add_chief(cid, uid, "street_chief", f"{code}社区党委")
        for s in range(layout.streets):
            for lane in range(layout.lanes_per_street):
                x0, y0 = ox + s * LANE_COLS * cl, oy + lane * LANE_ROWS * ct
                uid = new_id("unit")
                lane_code = f"{code}-S{s + 1:02d}L{lane + 1:02d}"
                units.add(uid, cid, "lane", lane_code, f"第{s + 1}路{lane + 1}巷", lane_code, None,
                          _hex_polygons([x0], [y0], [x0 + LANE_COLS * cl], [y0 + LANE_ROWS * ct])[0],
                          street_ids[s], "bench", STAMP, STAMP)
                index = s * layout.lanes_per_street + lane
                world.lane_id[ci, index] = uid
                world.lane_chief[ci, index] = add_chief(cid, uid, "lane_chief", f"{code}社区党委")
        rects = building_rects(layout, ci)
        count = len(rects[0])
        world.rects[:, ci, :count] = rects
        lane_of = ((np.arange(count) % layout.nx) // LANE_COLS) * layout.lanes_per_street + \
            (np.arange(count) // layout.nx) // LANE_ROWS
        if "shop" not in skip_kinds:
            for k in range(3, count, SHOP_EVERY):
                uid = new_id("unit")
                x0, y0, x1, y1 = (r[k] for r in rects)
                units.add(uid, cid, "shop", f"{code}-P{k + 1:05d}", f"{k + 1}号商铺", f"{code}-P{k + 1:05d}",
                          f"{code} {k + 1}号楼下", _hex_polygons([x0], [y0], [(x0 + x1) / 2], [(y0 + y1) / 2])[0],
                          int(world.lane_id[ci, lane_of[k]]), "bench", STAMP, STAMP)
                world.shop_chief[ci, k] = add_chief(cid, uid, "shop_chief", None)
        if "building" not in skip_kinds:
            geoms = _hex_polygons(*rects)
            has_chief = rng.random(count) < BUILDING_CHIEF_SHARE
            had_former = rng.random(count) < FORMER_CHIEF_SHARE
            for k in range(count):
                uid = new_id("unit")
                world.building_id[ci, k] = uid
                units.add(uid, cid, "building", f"{code}-B{k + 1:05d}", f"{k + 1}栋", f"{code}-B{k + 1:05d}",
                          f"{code} 第{lane_of[k] + 1}巷{k + 1}号", geoms[k], int(world.lane_id[ci, lane_of[k]]),
                          "bench", STAMP, STAMP)
                if had_former[k]:
                    add_chief(cid, uid, "building_chief", None, FORMER_SINCE, FORMER_UNTIL)
                if has_chief[k]:
                    world.building_chief[ci, k] = add_chief(cid, uid, "building_chief", None)
        half_x, half_y = layout.nx // 2 * cl, layout.ny // 2 * ct
        for g, (gx, gy) in enumerate(((0, 0), (1, 0), (0, 1), (1, 1))):
            x0, y0 = ox + gx * half_x, oy + gy * half_y
            x1 = ox + layout.nx * cl if gx else ox + half_x
            y1 = oy + layout.ny * ct if gy else oy + half_y
            uid = new_id("unit")
            units.add(uid, cid, "grid", f"{code}-G{g + 1}", f"第{g + 1}网格", f"{code}-G{g + 1}", None,
                      _hex_polygons([x0], [y0], [x1], [y1])[0], None, "bench", STAMP, STAMP)
            add_chief(cid, uid, "grid_worker", f"{code}网格站")
    return (communities, units, people, duties), world


def _case_frame(world, rng, n):
    """Return a DataFrame of n cases (sorted by received_at) with their covering unit and assignee."""
    layout, spec = world.layout, world.layout.spec
    counts = np.array([spec.buildings_in(c) for c in range(spec.communities)])
    ci = rng.choice(spec.communities, size=n, p=np.maximum(counts, 1) / np.maximum(counts, 1).sum())
    b = counts[ci]
    in_building = (rng.random(n) < CASES_IN_BUILDINGS) & (b > 0)
    k = np.minimum((b * rng.random(n) ** 2).astype(np.int64), np.maximum(b - 1, 0))
    x0, y0, x1, y1 = (world.rects[i, ci, k] for i in range(4))
    u, v = rng.random(n), rng.random(n)
    extents = np.array([layout.community_extent(c) for c in range(spec.communities)])
    lon = np.where(in_building, x0 + u * (x1 - x0), extents[ci, 0] + u * layout.extent_lon)
    lat = np.where(in_building, y0 + v * (y1 - y0), extents[ci, 1] + v * layout.extent_lat)

    origins = np.array([layout.cell_origin(c) for c in range(spec.communities)])
    i = np.floor((lon - origins[ci, 0]) / layout.cell_lon).astype(np.int64)
    j = np.floor((lat - origins[ci, 1]) / layout.cell_lat).astype(np.int64)
    in_grid = (i >= 0) & (i < layout.nx) & (j >= 0) & (j < layout.ny)
    cell = np.where(in_grid, j * layout.nx + i, 0)
    cx0, cy0, cx1, cy1 = (world.rects[r, ci, cell] for r in range(4))
    inside = in_grid & (world.building_id[ci, cell] > 0) & (lon >= cx0) & (lon <= cx1) & (lat >= cy0) & (lat <= cy1)
    in_shop = inside & (cell % SHOP_EVERY == 3) & (lon <= (cx0 + cx1) / 2) & (lat <= (cy0 + cy1) / 2)
    lane = np.where(in_grid, (i // LANE_COLS) * layout.lanes_per_street + j // LANE_ROWS, 0)
    unit_id = np.where(inside, world.building_id[ci, cell], np.where(in_grid, world.lane_id[ci, lane], 0))
    b_chief, s_chief = world.building_chief[ci, cell], world.shop_chief[ci, cell]
    assignee = np.where(inside & (b_chief > 0), b_chief,
                        np.where(in_shop & (s_chief > 0), s_chief, np.where(in_grid, world.lane_chief[ci, lane], 0)))
    role = np.where(inside & (b_chief > 0), "building_chief",
                    np.where(in_shop & (s_chief > 0), "shop_chief", "lane_chief"))

    seconds = np.sort(rng.integers(0, 365 * 86400, n))[::-1]  # seconds before YEAR_END, so oldest first
    end = pd.Timestamp(YEAR_END).tz_convert("UTC")
    received = end - pd.to_timedelta(seconds, unit="s")
    age_days = seconds / 86400.0
    status = np.where(age_days > 14, rng.choice(STATUSES, n, p=_probabilities(STATUS_WEIGHTS_OLD)),
                      rng.choice(STATUSES, n, p=_probabilities(STATUS_WEIGHTS_RECENT)))
    # without anyone answering for the point a case waits in the community queue until a cadre takes it
    status = np.where((assignee == 0) & np.isin(status, ("dispatched", "accepted", "in_progress", "returned")),
                      "received", status)
    stage = np.vectorize(STAGE.get)(status)
    channel = rng.choice(list(CHANNELS), n, p=_probabilities(CHANNEL_WEIGHTS[c] for c in CHANNELS))
    category = rng.choice(list(CATEGORIES), n, p=_probabilities(CATEGORY_WEIGHTS[c] for c in CATEGORIES))
    urgency = rng.choice(list(URGENCY_WEIGHTS), n, p=_probabilities(URGENCY_WEIGHTS.values()))
    hours = {u_: np.array([CASE_DEADLINES_DEFAULT[u_]["response_hours"], CASE_DEADLINES_DEFAULT[u_]["resolve_hours"]])
             for u_ in URGENCY_WEIGHTS}
    due = np.array([hours[u_] for u_ in urgency])
    title_pick = rng.integers(0, 1000, n)
    titles = np.array([TITLES[c][t % len(TITLES[c])] for c, t in zip(category, title_pick, strict=True)])
    tags = np.array(["{" + TAGS_BY_CATEGORY[c][t % len(TAGS_BY_CATEGORY[c])] + "}" if c in TAGS_BY_CATEGORY and t % 3
                     else "{}" for c, t in zip(category, title_pick, strict=True)])

    def at(offset_hours, mask):
        moment = received + pd.to_timedelta(offset_hours, unit="h")
        moment = moment.where(moment <= end, end)
        return pd.Series(moment).where(mask)

    dispatched = stage >= 1
    accepted_h = rng.uniform(0.2, 30, n)
    resolved_h = accepted_h + rng.uniform(1, 230, n)
    has_assignee = dispatched & (assignee > 0)
    ids = np.arange(1, n + 1)
    local_year = (received + pd.Timedelta(hours=8)).year.to_numpy()
    first_of_year = pd.Series(ids).groupby(local_year).transform("min").to_numpy()
    codes = [f"MQ-{y}-{s:06d}" for y, s in zip(local_year, ids - first_of_year + 1, strict=True)]
    frame = pd.DataFrame({
        "id": ids, "community_id": ci + 1, "code": codes, "tracking_code": _tracking_codes(ids, spec.seed),
        "channel": channel, "category": category, "tags": tags,
        "title": titles, "geom": _hex_points(lon, lat), "urgency": urgency, "status": status,
        "unit_id": pd.array(np.where(unit_id > 0, unit_id, 0), dtype="Int64"),
        "assignee_id": pd.array(np.where(has_assignee, assignee, 0), dtype="Int64"),
        "assignee_role": np.where(has_assignee, role, None),
        "response_due_at": received + pd.to_timedelta(due[:, 0], unit="h"),
        "resolve_due_at": received + pd.to_timedelta(due[:, 1], unit="h"),
        "received_at": received,
        "dispatched_at": at(np.full(n, 1 / 12), dispatched),
        "accepted_at": at(accepted_h, (stage >= 2) & (status != "returned")),
        "started_at": at(accepted_h + 1, (stage >= 3) & (status != "returned")),
        "resolved_at": at(resolved_h, stage >= 4),
        "visited_at": at(resolved_h + 24, stage >= 5),
        "closed_at": at(resolved_h + 48, stage >= 6),
        "returned_at": at(np.full(n, 2.0), status == "returned"),
        "satisfaction": np.where(stage >= 5, rng.choice(list(SATISFACTION_WEIGHTS), n,
                                                        p=_probabilities(SATISFACTION_WEIGHTS.values())), None),
        "resolution_note": np.where(stage >= 4, "已办结", None),
        "duplicate_of_id": pd.array(np.where((status == "duplicate") & (ids > 1), ids - 1, 0), dtype="Int64"),
        "version": 1 + stage,
        "created_at": received,
    })
    frame["updated_at"] = frame[["received_at", "dispatched_at", "accepted_at", "resolved_at", "visited_at",
                                 "closed_at", "returned_at"]].max(axis=1)
    for column in ("unit_id", "assignee_id", "duplicate_of_id"):
        frame[column] = frame[column].mask(frame[column] == 0)
    return frame


def _copy_frame(cur, table, frame):
    buffer = io.StringIO()
    frame.to_csv(buffer, sep="\t", header=False, index=False, na_rep=NULL, date_format="%Y-%m-%d %H:%M:%S+00")
    buffer.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN", buffer)


def _site_rows(layout):
    spec = layout.spec
    rng = np.random.default_rng([spec.seed, 4])
    counts = np.array([max(spec.buildings_in(c), 1) for c in range(spec.communities)])
    ci = np.sort(rng.choice(spec.communities, size=spec.sites, p=counts / counts.sum()))
    extents = np.array([layout.community_extent(c) for c in range(spec.communities)])
    lon = extents[ci, 0] + rng.random(spec.sites) * layout.extent_lon
    lat = extents[ci, 1] + rng.random(spec.sites) * layout.extent_lat
    kinds = rng.choice(SITE_KINDS, spec.sites)
    geoms = _hex_points(lon, lat)
    sites = _Rows("site", ("id", "community_id", "code", "name", "kind", "story", "opening_hours", "address",
                           "contact", "geom", "created_at", "updated_at"))
    activities = _Rows("site_activity", ("id", "community_id", "site_id", "date", "title", "attendees",
                                         "created_at", "updated_at"))
    for index in range(spec.sites):
        sid, cid = index + 1, int(ci[index]) + 1
        sites.add(sid, cid, f"C{cid:03d}-X{sid:06d}", f"{SITE_KIND_LABELS[kinds[index]]}{sid}号", kinds[index], None,
                  "09:00-17:30", None, phone_number(10_000_000 + sid), geoms[index], STAMP, STAMP)
        if index % 10 == 0:
            day = (YEAR_END - timedelta(days=int(rng.integers(1, 365)))).date().isoformat()
            activities.add(activities.count + 1, cid, sid, day, "党史学习分享会", int(rng.integers(10, 200)), STAMP,
                           STAMP)
    return sites, activities


def generate(conn, spec, *, skip_kinds=()):
    """Write the dataset of spec into a migrated, empty database (psycopg2 connection); return row counts."""
    layout = Layout(spec).check()
    started = time.perf_counter()
    counts = {}
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'")
        tables, world = _build_units(layout, set(skip_kinds))
        for rows in tables:
            counts[rows.table] = rows.copy(cur)
        logger.info("units and people written in %.1f s", time.perf_counter() - started)
        rng = np.random.default_rng([spec.seed, 3])
        frame = _case_frame(world, rng, spec.cases) if spec.cases else None
        if frame is not None:
            for start in range(0, len(frame), CASE_CHUNK):
                _copy_frame(cur, "civic_case", frame.iloc[start:start + CASE_CHUNK])
            years = frame["code"].str.slice(3, 7).astype(int).value_counts().sort_index()
            for year, last in years.items():
                cur.execute("INSERT INTO case_counter (year, last) VALUES (%s, %s)", (int(year), int(last)))
        counts["civic_case"] = spec.cases
        logger.info("cases written in %.1f s", time.perf_counter() - started)
        for rows in _site_rows(layout):
            counts[rows.table] = rows.copy(cur)
        for table in ("community", "unit", "person", "responsibility", "civic_case", "site", "site_activity"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
    conn.commit()
    with conn.cursor() as cur:
        old = conn.autocommit
        conn.autocommit = True
        cur.execute("ANALYZE")
        conn.autocommit = old
    logger.info("generated %s in %.1f s", counts, time.perf_counter() - started)
    return counts


def checksum(conn):
    """Return an md5 over every generated table's rows, in id order."""
    digest = hashlib.md5()
    with conn.cursor() as cur:
        for table in TABLES:
            order = "year" if table == "case_counter" else "id"
            cur.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.{order}), '')) "
                        f"FROM {table} t")
            count, md5 = cur.fetchone()
            digest.update(f"{table}:{count}:{md5};".encode())
    return digest.hexdigest()


def write_buildings_gpkg(path, buildings, seed=DEFAULT_SEED):
    """Write the buildings of a one-community city of this size to a GeoPackage (code, name, address)."""
    import geopandas as gpd

    layout = Layout(Spec(communities=1, buildings=buildings, cases=0, sites=0, seed=seed)).check()
    x0, y0, x1, y1 = building_rects(layout, 0)
    k = np.arange(1, buildings + 1)
    frame = gpd.GeoDataFrame({"code": [f"C001-B{i:05d}" for i in k], "name": [f"{i}栋" for i in k],
                              "address": [f"C001 {i}号" for i in k]},
                             geometry=shapely.box(x0, y0, x1, y1), crs="EPSG:4326")
    frame.to_file(path, layer="buildings", driver="GPKG", engine="pyogrio")
    return layout
