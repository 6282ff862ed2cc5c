"""Packaging beyond what pyproject.toml can say: the top-level static/ folder ships inside the package.

static/ stays where the npm lockfile and build script are; the wheel carries its css/, js/ and built
vendor/ as geo_app/static/, which the app serves when it is installed (create_app's STATIC_FOLDER).
"""

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py


class BuildPy(build_py):
    """Ship static/ as data only: its build scripts are not part of the app."""

    def find_package_modules(self, package, package_dir):
        return [] if package == "geo_app.static" else super().find_package_modules(package, package_dir)


setup(
    packages=[*find_packages(include=["geo_app*"]), "geo_app.static"],
    package_dir={"geo_app.static": "static"},
    cmdclass={"build_py": BuildPy},
)
