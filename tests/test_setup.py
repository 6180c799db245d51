"""The set-up (README, "Set-up"): the locked environment resolves, with wheels, on every Python the README
names that this machine has, installs and runs on Debian's own Python 3.11.2, is what uv makes of
requirements.in, and the student kit has wheels for every platform students use; course.sh refuses an
unsupported Python in one line."""

import glob
import os
import re
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = ["3.11", "3.12", "3.13"]  # as the README and course.sh say
LOCKS = ["requirements.txt", "requirements-mutation.txt"]
LEFT_OUT = {"rfc3987-syntax", "lark"}  # of the lock on purpose (requirements.in says why)
DEBIAN_PYTHON = "/usr/bin/python3"  # 3.11.2 on Debian 12: older than some pins allow (soupsieve)


def uv(*arguments, cwd=ROOT, check=True):
    """uv of this environment (requirements.txt pins it), sharing the machine's download cache."""
    result = subprocess.run(
        [sys.executable, "-m", "uv", *arguments], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert not check or result.returncode == 0, f"uv {' '.join(arguments)}\n{result.stdout[-3000:]}\n{result.stderr}"
    return result


def version_of(python):
    result = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], capture_output=True)
    return result.stdout.decode().strip() if result.returncode == 0 else None


def interpreters():
    """{full version: path} of the Pythons on this machine: Debian's, pyenv's and the one running the tests."""
    candidates = [sys.executable, DEBIAN_PYTHON, *sorted(glob.glob("/usr/bin/python3.[0-9]*"))]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/*/bin/python")))
    found = {}
    for python in candidates:
        if re.fullmatch(r".*python[0-9.]*", python) and os.access(python, os.X_OK):
            found.setdefault(version_of(python), python)
    found.pop(None, None)
    return found


INTERPRETERS = interpreters()


def supported(version):
    return ".".join(version.split(".")[:2]) in SUPPORTED


def missing(what):
    """A Python the README promises that this machine lacks: said in the output, and a failure in CI."""
    message = f"{what}: the README promises it, but this machine has none to check it on"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def pins(text):
    """{(name, version)} of a lock or of uv's output, markers cut."""
    found = re.findall(r"^([A-Za-z0-9._-]+)==([^\s;]+)", text, re.MULTILINE)
    return {(re.sub(r"[-_.]+", "-", name).lower(), version) for name, version in found}


@pytest.mark.parametrize("minor", SUPPORTED)
def test_the_machine_has_every_python_the_readme_names(minor):
    if not any(version.startswith(minor + ".") for version in INTERPRETERS):
        missing(f"Python {minor} (looked in {DEBIAN_PYTHON}*, ~/.pyenv/versions/ and {sys.executable})")


@pytest.mark.parametrize("version", sorted(v for v in INTERPRETERS if supported(v)) or ["none"])
def test_the_lock_resolves_on_each_python(version):
    """Every pin for this interpreter (its own markers) has a wheel for it, and each pin's dependencies
    are pinned too; the mutation lock, which needs one source build (yattag), resolves with it."""
    if version == "none":
        missing("Python 3.11 to 3.13")
    python = INTERPRETERS[version]
    locked = pins((ROOT / "requirements.txt").read_text())
    resolved = pins(uv("pip", "compile", "--python", python, "--only-binary", ":all:", "requirements.txt").stdout)
    assert {name for name, _ in resolved - locked} <= LEFT_OUT, resolved - locked
    locked |= pins((ROOT / "requirements-mutation.txt").read_text())
    resolved = pins(uv("pip", "compile", "--python", python, *LOCKS).stdout)
    assert {name for name, _ in resolved - locked} <= LEFT_OUT, resolved - locked


def test_the_locks_are_what_uv_makes_of_their_inputs(tmp_path):
    """Each lock again, by the command written in its header, from the same inputs (its own pins as
    preferences): a hand edit, or a change of requirements.in without a new lock, shows here."""
    for name in ["requirements.in", "requirements-mutation.in", *LOCKS]:
        shutil.copy(ROOT / name, tmp_path)
    for lock in LOCKS:
        command = re.search(r"^#\s+uv (pip compile .*)$", (ROOT / lock).read_text(), re.MULTILINE).group(1)
        uv(*command.split(), "--quiet", cwd=tmp_path)
        assert (tmp_path / lock).read_text() == (ROOT / lock).read_text(), f"{lock}: run `uv {command}`"


@pytest.mark.skipif(not os.access(DEBIAN_PYTHON, os.X_OK), reason=f"no {DEBIAN_PYTHON}")
def test_the_environment_installs_and_runs_on_debians_python(tmp_path):
    """The README's install of a grading machine (the lock, then the course, no dependency resolution),
    with uv, into a fresh environment of Debian's Python; nbgrader then starts and the pins of this
    Python are the ones installed."""
    venv, python = tmp_path / "venv", str(tmp_path / "venv" / "bin" / "python")
    uv("venv", "--quiet", "--python", DEBIAN_PYTHON, str(venv))
    uv("pip", "install", "--quiet", "--python", python, "--no-deps", "-r", "requirements.txt")
    uv("pip", "install", "--quiet", "--python", python, "--no-deps", ".")
    for_this_python = pins(uv("pip", "compile", "--python", python, "requirements.txt").stdout)
    locked = {name for name, _ in for_this_python} - LEFT_OUT
    installed = {
        (name, version) for name, version in pins(uv("pip", "freeze", "--python", python).stdout) if name in locked
    }
    assert installed == {(name, version) for name, version in for_this_python if name in locked}
    smoke = "import bs4, nbgrader, numpy, tinytorch; print(bs4.BeautifulSoup('<p>a</p>', 'html.parser').select('p'))"
    result = subprocess.run([python, "-c", smoke], capture_output=True, text=True, timeout=300)
    assert (result.returncode, result.stdout, result.stderr) == (0, "[<p>a</p>]\n", "")
    result = subprocess.run([python, "-m", "nbgrader", "--version"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "0.9.6" in result.stdout + result.stderr, result


STUDENT_PLATFORMS = [
    "x86_64-manylinux_2_28",
    "aarch64-manylinux_2_28",
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
]


STUDENT_PYTHONS = ["3.11.0", "3.12", "3.13"]


def test_the_student_kit_has_wheels_for_every_platform(tmp_path):
    """The README's student install: the kit's dependencies, at the lock's pins, are all wheels on Linux,
    macOS (Apple silicon and Intel) and Windows, for every Python the README names, so that no student
    needs a compiler. The 15 resolutions run at once, each from uv's cache first: online, each mostly
    waits for the registry (13 s)."""
    assert "`pip install -c requirements.txt .`" in (ROOT / "README.md").read_text()
    kit = "\n".join(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    (tmp_path / "kit.in").write_text(kit)  # not pyproject.toml: uv would build the kit for its metadata each time

    def missing_wheels(target):
        version, platform = target
        only_wheels = ["--only-binary", ":all:", "--python-platform", platform, "--python-version", version]
        compile_kit = ["pip", "compile", str(tmp_path / "kit.in"), "-c", "requirements.txt", *only_wheels]
        result = uv(*compile_kit, "--offline", check=False)  # from uv's cache, when it has the wheels' data
        if result.returncode != 0:
            result = uv(*compile_kit, check=False)
        if result.returncode != 0 or not pins(kit) <= pins(result.stdout):
            return f"Python {version} on {platform}: {result.stderr.strip()[-1000:]}"

    targets = [(version, platform) for version in STUDENT_PYTHONS for platform in STUDENT_PLATFORMS]
    with ThreadPoolExecutor(len(targets)) as pool:
        failures = [failure for failure in pool.map(missing_wheels, targets) if failure]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("python", ["/nonexistent/python3", *(p for v, p in INTERPRETERS.items() if not supported(v))])
def test_course_sh_refuses_an_unsupported_python_in_one_line(tmp_path, python):
    shutil.copy(ROOT / "course.sh", tmp_path)
    result = subprocess.run(
        ["bash", "course.sh", "demo"], cwd=tmp_path, env=dict(os.environ, PYTHON=python), capture_output=True, text=True
    )
    assert result.returncode == 1 and result.stdout == "", result
    assert re.fullmatch(r"course\.sh: .*3\.11, 3\.12 or 3\.13: install one .*PYTHON=\S+\n", result.stderr), (
        result.stderr
    )
    assert not (tmp_path / ".venv").exists()


@pytest.mark.parametrize("project", ["pyproject.toml", "tinytorch_tools/pyproject.toml"])
def test_pip_admits_the_pythons_course_sh_admits(project):
    """requires-python names the same Pythons as SUPPORTED, so that pip on 3.14 refuses the kit
    in one line instead of installing pins nobody checked there."""
    from packaging.specifiers import SpecifierSet

    admitted = SpecifierSet(tomllib.loads((ROOT / project).read_text())["project"]["requires-python"])
    for minor in range(9, 16):
        version = f"3.{minor}.0"
        assert (version in admitted) == supported(version), f"{project} on Python {version}"
