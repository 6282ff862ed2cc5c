"""The failover drill behind `make scale-check`, shortened, so that it cannot rot: nothing lost, nothing twice."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.replication import dump_database

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def test_the_drill_loses_nothing_stores_nothing_twice_and_the_limit_holds_across_nodes(pg_cluster, demo_template,
                                                                                        tmp_path):
    dump = tmp_path / "demo.dump"
    dump_database(pg_cluster, demo_template, dump)
    done = subprocess.run([sys.executable, "-m", "bench.scale_check", "--cases", "24", "--writers", "2",
                           "--readers", "1", "--node-workers", "1", "--dump", str(dump), "--timeout", "120"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    figures = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert int(figures["acknowledged"]) >= 24 and figures["stored"] == figures["acknowledged"]
    assert figures["lost"] == "0" and figures["duplicates"] == "0"
    assert figures["limit held"] == "20/min per client across nodes"
    assert float(figures["failover window s"]) > 0
