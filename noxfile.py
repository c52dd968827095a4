"""Sessions run by CI and by developers: ``nox`` runs them all.

``tests`` runs on every supported Python that is installed (a missing one is
skipped, never an error); ``nox -s tests-3.12`` runs one of them.  The other
sessions run on the Python running nox.

Interpreters: for each supported version other than the one running nox, the
newest patch release that pyenv installed (``$(pyenv root)/versions/3.X.Y``)
is used, else a ``python3.X`` found on PATH.  pyenv's shims answer only for
the versions pyenv has selected (``PYENV_VERSION``, ``.python-version``), so
the noxfile looks in pyenv's ``versions`` directory itself: ``nox`` tests
every installed Python without the caller selecting them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import nox

nox.options.error_on_missing_interpreters = False
# A missing Python is skipped; nox must not try to download one.
nox.options.download_python = "never"
nox.options.reuse_existing_virtualenvs = True

SUPPORTED = ["3.10", "3.11", "3.12", "3.13"]
CURRENT = f"{sys.version_info.major}.{sys.version_info.minor}"
nox.options.sessions = [
    "lint",
    "typecheck",
    "tests",
    "examples",
    "docs",
    "bench",
    "build",
    f"conformance-{CURRENT}",
]
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

# Libraries benchmarked against (bench/bench_virtual_time.py), installed by ``bench`` only.
BENCH_PEERS = ["async-solipsism", "looptime", "trio"]


def _pyenv_root() -> str | None:
    """``$PYENV_ROOT``, else what ``pyenv root`` prints; None without pyenv."""
    if os.environ.get("PYENV_ROOT"):
        return os.environ["PYENV_ROOT"]
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    try:
        done = subprocess.run(
            [pyenv, "root"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _pyenv_python(root: str, version: str) -> str | None:
    """``versions/X.Y.Z/bin/pythonX.Y`` under pyenv's root, for the highest Z installed."""
    try:
        names = os.listdir(os.path.join(root, "versions"))
    except OSError:
        return None
    found: list[tuple[int, str]] = []
    for name in names:
        patch = re.fullmatch(re.escape(version) + r"\.(\d+)", name)
        python = os.path.join(root, "versions", name, "bin", f"python{version}")
        if patch and os.access(python, os.X_OK):
            found.append((int(patch.group(1)), python))
    return max(found)[1] if found else None


def _put_pyenv_pythons_on_path() -> None:
    """Put the directory of each pyenv Python found first on PATH, where nox looks.

    nox names a session after its ``python=`` value (``tests-3.12``) and looks
    the interpreter up on PATH; a directory placed first makes it find the one
    chosen here.  Sessions run in virtual environments whose own ``bin`` comes
    first, so the other commands of these directories (``python3``, ``pip``)
    are not what a session runs.
    """
    root = _pyenv_root()
    if root is None:
        return
    found = (_pyenv_python(root, version) for version in SUPPORTED if version != CURRENT)
    directories = [os.path.dirname(python) for python in found if python is not None]
    os.environ["PATH"] = os.pathsep.join([*directories, os.environ.get("PATH", "")])


_put_pyenv_pythons_on_path()


@nox.session(python=SUPPORTED)
def tests(session: nox.Session) -> None:
    """The whole test suite, under pytest, in a random order (pytest-randomly)."""
    session.install("-e", ".[grpc]", *TEST_DEPS)
    # One worker per core (pytest-xdist): CI stays well within its time on 2 cores.
    session.run(
        "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "auto", *session.posargs
    )


@nox.session(python=SUPPORTED)
def conformance(session: nox.Session) -> None:
    """The standard library's own test suites, run against asynctoolkit.

    unittest.mock's tests against ``asynctoolkit.mock``, unittest's tests of
    ``IsolatedAsyncioTestCase`` against ``asynctoolkit.TestCase``, and asyncio's
    own tests on ``ClockedEventLoop(autojump=True)`` and on a loop over
    ``TestSelector``.  CI runs it on the
    Python running nox; ``nox -s conformance-3.12`` on another.  A Python
    installed without its ``test`` package is skipped, saying so.
    """
    found = session.run(
        "python",
        "-c",
        "import importlib.util as u; print(u.find_spec('test.support') is not None)",
        silent=True,
    )
    if "True" not in str(found):
        session.skip("this Python has no 'test' package (its own test suite): nothing to run")
    session.install("-e", ".")
    session.run("python", "tests/conformance/run_testmock.py")
    session.run("python", "tests/conformance/run_async_case.py")
    # asyncio's own tests on ClockedEventLoop(autojump=True) and over TestSelector.
    session.run("python", "tests/conformance/run_asyncio.py", env={"PYTHONPATH": "."})


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
    # The peers bench_virtual_time.py compares virtual time with: bench-only dependencies.
    session.install("-e", ".[grpc]", *TEST_DEPS, *BENCH_PEERS)
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
