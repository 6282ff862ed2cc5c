"""`minqing serve --with-worker` (what `make demo` runs): one command, the web server and a worker; a case posted
in a demo building reaches the 企业微信 group within seconds, @-mentioning that building's 楼栋长."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import case_body, point_in_building
from tests.receivers import running, wecom_robot
from tests.servers import free_port, request, wait_for

pytestmark = [pytest.mark.committed_db, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[3]


def mine(robot, code):
    return [b for b in robot.json_bodies() if b["msgtype"] == "text" and code in b["text"]["content"]]


def test_one_command_serves_the_app_and_delivers_the_dispatch(app, tmp_path):
    port = free_port()
    with running(wecom_robot()) as robot:
        env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test",
               "MINQING_INSTANCE_PATH": str(tmp_path), "WECOM_WEBHOOK_URL": robot.url + "/send?key=demo"}
        log = tmp_path / "serve.log"
        with open(log, "w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "geo_app.cli", "serve", "--port", str(port), "--workers", "1",
                                     "--with-worker"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", proc, log)
            status, _, answer = request(f"http://127.0.0.1:{port}/api/v1/cases", method="POST",
                                        body=case_body(**point_in_building("BD01")), headers={"X-Browser-Id": "t"})
            assert status == 201, answer
            deadline = time.monotonic() + 120  # a bound on waiting on a loaded machine, not a speed check
            while not mine(robot, answer["code"]) and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)
    # (The worker's first deadline sweep also tells the group of the demo's overdue cases.)
    (message,) = mine(robot, answer["code"])
    assert message["text"]["content"].startswith("【新派单】"), log.read_text()[-2000:]
    assert len(message["text"]["mentioned_mobile_list"]) == 1
    assert code == 0, log.read_text()[-2000:]
