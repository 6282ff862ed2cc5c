"""The wheel carries everything the app serves: built, installed in a fresh venv (not editable), and run from there.

Built, the venv made and the wheel installed with uv where the test venv has it (`make` installs it: the same
PEP 517 build through setuptools, the same wheel installed, in a fraction of pip's time), else with pip."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
STATIC_SERVED = ("css", "js", "vendor")  # what the app serves under /static (the rest of static/ builds vendor/)
# Left out of the copy the wheel is built from: at the top (vendor/ has dist/ and build/ folders of its own) ...
TOP_IGNORED = {".git", ".venv", "build", "dist", "instance", "test-artifacts", ".pytest_cache", ".ruff_cache",
               ".hypothesis", "minqing_map.egg-info"}
# ... and anywhere.
IGNORED_ANYWHERE = {"__pycache__", "node_modules"}


def _ignored(folder, names):
    top = Path(folder) == ROOT
    return {name for name in names if name in IGNORED_ANYWHERE or (top and name in TOP_IGNORED)}


def _run(*args, cwd, env=None):
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _uv():
    """The uv of the test venv (installed by `make`), or None: then pip builds and installs, as before."""
    found = Path(sys.executable).parent / "uv"
    return found if found.is_file() else None


def _source_files(folder, pattern="**/*"):
    return {str(p.relative_to(folder)) for p in folder.glob(pattern) if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with the wheel installed (its dependencies borrowed from this venv).

    Returns its python, the work folder and the folder `import geo_app` finds there.
    """
    if not (ROOT / "static" / "vendor" / ".stamp.json").is_file():
        pytest.fail("static/vendor has not been built: run `sh static/build_vendor.sh` (or `make test`)")
    work = tmp_path_factory.mktemp("wheel")
    # Build from a clean copy: setuptools builds in the tree, and a stale build/ there would hide a missing file.
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_ignored)
    uv, venv = _uv(), work / "venv"
    if uv:
        _run(uv, "build", "--wheel", "-q", "-o", str(work / "dist"), str(source), cwd=work)
    else:
        _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source), cwd=work)
    wheel = next((work / "dist").glob("minqing_map-*.whl"))
    if uv:
        _run(uv, "venv", "-q", "--python", sys.executable, str(venv), cwd=work)
    else:
        _run(sys.executable, "-m", "venv", str(venv), cwd=work)
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work).strip())
    # The dependencies, not the project: a plain path entry does not run this venv's editable-install hooks.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    if uv:
        _run(uv, "pip", "install", "--no-deps", "--offline", "-q", "--python", str(python), str(wheel), cwd=work)
    else:
        _run(python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel), cwd=work)
    # One interpreter start for the two tests that ask where geo_app is imported from.
    package = Path(_run(python, "-c", "import geo_app; print(geo_app.__file__)", cwd=work).strip()).parent
    return python, work, package


def test_the_package_is_the_installed_copy_not_the_checkout(installed):
    _python, _work, package = installed
    location = str(package / "__init__.py")
    assert str(ROOT) not in location and "site-packages" in location


def test_every_template_migration_and_static_file_is_installed(installed):
    _python, _work, package = installed
    source = ROOT / "geo_app"
    expected = {name for name in _source_files(source, "**/templates/**/*")}
    expected |= {f"migrations/{name}" for name in _source_files(source / "migrations")}
    expected |= {f"static/{name}" for folder in STATIC_SERVED
                 for name in (f"{folder}/{n}" for n in _source_files(ROOT / "static" / folder))
                 if not Path(name).name.startswith(".")}
    assert "migrations/script.py.mako" in expected and "static/js/case.js" in expected
    missing = sorted(name for name in expected if not (package / name).is_file())
    assert missing == []


def test_the_command_and_the_login_page_run_from_the_installed_package(installed, tmp_path):
    python, work, _package = installed
    env = {**os.environ, "MINQING_INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "packaging-test"}
    env.pop("PYTHONPATH", None)
    assert "layers" in _run(Path(python).parent / "minqing", "--help", cwd=work, env=env)
    script = textwrap.dedent("""
        import json
        from geo_app import create_app
        client = create_app({"TESTING": True}).test_client()
        login = client.get("/login")
        statics = {path: client.get(path).status_code for path in
                   ("/static/css/minqing.css", "/static/js/case.js", "/static/vendor/leaflet/dist/leaflet.js")}
        print(json.dumps({"login": login.status_code, "html": login.get_data(as_text=True), "static": statics}))
    """)
    answer = json.loads(_run(python, "-c", script, cwd=work, env=env).strip().splitlines()[-1])
    assert answer["login"] == 200 and 'name="password"' in answer["html"] and "登录" in answer["html"]
    assert set(answer["static"].values()) == {200}
