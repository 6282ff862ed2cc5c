"""The demo layer files keep the rules layers/README.md promises (nesting, counts, the gap, the 4 km street)."""

import subprocess
import sys

from tests.helpers import LAYERS


def test_demo_layers_pass_their_checker():
    result = subprocess.run([sys.executable, str(LAYERS / "check_demo.py")], capture_output=True, text=True,
                            cwd=LAYERS.parent, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
