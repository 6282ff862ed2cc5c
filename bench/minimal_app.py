"""The lookup's baseline over HTTP: a minimal Flask view running the app's own statement through psycopg2.

One connection per thread, no ORM, no session, no auth, no scope: what is left of a lookup when every
layer the app adds is taken away. Served by the same server, with the same workers, as the app
(bench/server.py), so the difference is the app's own cost per request.
"""

import datetime
import os
import threading

import psycopg2
from flask import Flask, jsonify, request
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

from geo_app.services.lookup import KIND_RANKS, LOOKUP

SQL = str(LOOKUP.compile(dialect=postgresql.psycopg2.dialect()))
app = Flask(__name__)
_local = threading.local()


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        dsn = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = _local.conn = psycopg2.connect(dsn)
        conn.autocommit = True
    return conn


@app.get("/lookup")
def lookup():
    params = {"lon": float(request.args["lon"]), "lat": float(request.args["lat"]), "today": datetime.date.today(),
              **KIND_RANKS}
    with _connection().cursor() as cur:
        cur.execute(SQL, params)
        rows = cur.fetchall()
    return jsonify([list(row) for row in rows])
