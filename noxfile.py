"""Sessions run by CI and by developers: ``nox`` runs them all.

``tests`` runs on every supported Python that is installed (a missing one is
skipped, never an error) and always on the Python running nox.
"""

from __future__ import annotations

import os
import shutil
import sys

import nox

nox.options.sessions = ["lint", "typecheck", "tests", "examples", "docs", "bench", "build"]
nox.options.error_on_missing_interpreters = False
nox.options.reuse_existing_virtualenvs = True

SUPPORTED = ["3.10", "3.11", "3.12", "3.13"]
CURRENT = f"{sys.version_info.major}.{sys.version_info.minor}"
# pytest-randomly runs the tests in a new random order each time (the seed is printed).
TEST_DEPS = [
    "pytest-asyncio",
    "pytest-xdist",
    "pytest",
    "pytest-randomly",
    "hypothesis",
    "grpcio-tools",
    "uvloop; sys_platform != 'win32'",
]


def _installed(version: str) -> bool:
    return version == CURRENT or shutil.which(f"python{version}") is not None


@nox.session(python=[v for v in SUPPORTED if _installed(v)] or [CURRENT])
def tests(session: nox.Session) -> None:
    """The whole test suite, under pytest, in a random order (pytest-randomly)."""
    session.install("-e", ".[grpc]", *TEST_DEPS)
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *session.posargs)


@nox.session(python=CURRENT)
def examples(session: nox.Session) -> None:
    """The example suites under the toolkit's own runner, strict."""
    session.install("-e", ".[grpc]", "grpcio-tools")
    session.run("python", "-m", "asynctoolkit", "--strict", "examples")


@nox.session(python=CURRENT)
def docs(session: nox.Session) -> None:
    """Build the documentation with warnings as errors, then run its code examples."""
    # Some pages run pytest (and pytest-asyncio, for the migration guide) on their examples.
    session.install("-e", ".[grpc]", "grpcio-tools", "sphinx", "pytest", "pytest-asyncio")
    build = ["sphinx-build", "-W", "--keep-going", "-q"]
    session.run(*build, "-b", "html", "docs", "docs/_build/html")
    session.run(*build, "-b", "doctest", "docs", "docs/_build/doctest")


@nox.session(python=CURRENT)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff==0.17.6")  # pinned: a new ruff may format differently
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=CURRENT)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[grpc]", "mypy", "types-protobuf", "pytest")
    session.run("mypy", "--strict", "asynctoolkit")


@nox.session(python=CURRENT)
def bench(session: nox.Session) -> None:
    """Every benchmark in bench/, in quick mode (a smoke run; figures are printed)."""
    session.install("-e", ".[grpc]", *TEST_DEPS)
    for name in sorted(os.listdir("bench")):
        if name.startswith("bench_") and name.endswith(".py"):
            session.run("python", os.path.join("bench", name), "--quick")


# Run by ``build`` in a fresh environment that holds the wheel and nothing else.
_WITHOUT_GRPC_CHECK = """
import importlib.util
import sys

if importlib.util.find_spec("grpc") is not None:
    sys.exit("grpcio is installed in the fresh environment; this check needs it absent")
import asynctoolkit

namespace = {}
exec("from asynctoolkit import *", namespace)
missing = sorted(set(asynctoolkit.__all__) - set(namespace))
if missing:
    sys.exit(f"'from asynctoolkit import *' did not bring {missing}")
try:
    import asynctoolkit.rpc
except ImportError as error:
    if "asynctoolkit[grpc]" not in str(error):
        sys.exit(f"without grpcio, 'import asynctoolkit.rpc' must name the grpc extra: {error}")
else:
    sys.exit("'import asynctoolkit.rpc' worked without grpcio")
print(f"asynctoolkit {asynctoolkit.__version__} works without grpcio ({asynctoolkit.__file__})")
"""


@nox.session(python=CURRENT)
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel, twine check them, and try the wheel without the grpc extra."""
    session.install("build", "twine")
    tmp = os.path.abspath(session.create_tmp())
    dist = os.path.join(tmp, "dist")
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", dist)
    artifacts = sorted(os.path.join(dist, name) for name in os.listdir(dist))
    session.run("twine", "check", "--strict", *artifacts)

    # A new environment with only the wheel (and its own dependencies): no grpcio.
    fresh = os.path.join(tmp, "without-grpc")
    session.run("python", "-m", "venv", "--clear", fresh)
    python = os.path.join(fresh, "Scripts" if sys.platform == "win32" else "bin", "python")
    wheel = next(path for path in artifacts if path.endswith(".whl"))
    session.run(python, "-m", "pip", "install", "--quiet", wheel, external=True)
    check = os.path.join(tmp, "check_without_grpc.py")
    with open(check, "w") as file:
        file.write(_WITHOUT_GRPC_CHECK)
    # Isolated mode (-I), from a script outside the source tree: the import finds the wheel.
    session.run(python, "-I", check, external=True)
