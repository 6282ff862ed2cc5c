"""No dead code in the app: vulture finds nothing unused beyond what frameworks call by name.

Only geo_app is read, so code that only the tests reach counts as unused too.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Called by Flask, click, Flask-Login, pydantic or SQLAlchemy by decorator or by name; models are the schema, and so
# are the output schemas (their fields are read by pydantic into the OpenAPI document).
IGNORED_DECORATORS = "@bp.*,@*.command,@click.*,@app.*,@login_manager.*,@*.errorhandler,@model_validator,@field_validator"
# Attributes set for a library (psycopg2's autocommit, an ORM column); the embedded cluster's teardown, which the
# test harness and the benchmark call; the limits library's storage interface (found by its STORAGE_SCHEME);
# Flask's send-file hook; a SQLAlchemy cursor-event listener and its signature; the request's database deadline
# and the standby it reads from (g.read_engine); procrastinate's retry-strategy hook; openpyxl cell and sheet
# attributes; werkzeug's Cache-Control directives; Flask-Login's is_anonymous; the hooks of click's Group that
# load the commands lazily.
IGNORED_NAMES = ("cls,model_config,json_provider_class,login_view,ensure_ascii,is_active,is_anonymous,metadata,autocommit,token_hash,"
                 "destroy,drop_database,PostgresStorage,STORAGE_SCHEME,base_exceptions,incr,reset,"
                 "get_send_file_max_age,bound_statement,executemany,db_deadline,read_engine,get_retry_decision,"
                 "font,data_type,number_format,freeze_panes,no_cache,immutable,list_commands,get_command")


def test_vulture_finds_nothing_unused():
    found = subprocess.run(
        [sys.executable, "-m", "vulture", "geo_app", "--min-confidence", "60",
         "--exclude", "geo_app/migrations,geo_app/models,geo_app/schemas/responses.py", "--ignore-decorators", IGNORED_DECORATORS,
         "--ignore-names", IGNORED_NAMES],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert found.stdout == "", found.stdout
