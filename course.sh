#!/usr/bin/env bash
# The course's two commands (see README.md):
#   ./course.sh demo   set up, then generate every assignment, autograde sample students, print the gradebook
#                      (--all: every buggy sample, not one per module)
#   ./course.sh test   set up, then run the whole test suite (ruff and the notebook lint included)
#   ./course.sh mutate set up, then report the mutation score of each module's tests (see README.md)
# Set-up makes .venv/ with $PYTHON (default: python3), which must be Python 3.11 to 3.13.
set -euo pipefail
cd "$(dirname "$0")"

fail() {
  echo "course.sh: $*" >&2
  exit 1
}

# Before anything is installed: one line saying what to do, instead of an error deep inside pip.
check_python() {  # the interpreter, and what to do instead
  local python="$1" instead="$2" version
  version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)" ||
    fail "no Python at '$python'; the course needs Python 3.11, 3.12 or 3.13: $instead"
  "$python" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' ||
    fail "Python $version ($python) is not supported; the course needs Python 3.11, 3.12 or 3.13: $instead"
}

setup() {  # extra requirement files, if any, after requirements.txt
  if [ -x .venv/bin/python ]; then
    check_python .venv/bin/python "remove .venv/ and run again with a supported one (PYTHON=/path/to/python3.11)"
  else
    local python="${PYTHON:-python3}"
    check_python "$python" "install one (python.org; Ubuntu 22.04: apt install python3.11-venv) and pick it with PYTHON=/path/to/python3.11"
    "$python" -c 'import ensurepip' 2>/dev/null ||
      fail "$python cannot make a virtual environment (no ensurepip): on Debian/Ubuntu, apt install python3-venv (or python3.X-venv for Python 3.X)"
    "$python" -m venv .venv
  fi
  # uv installs the locked environment in seconds where pip takes minutes; pip stays the fallback
  # where the registry has no uv for this machine.
  .venv/bin/python -m pip install --quiet --quiet --disable-pip-version-check "$(grep '^uv==' requirements.txt)" ||
    echo "course.sh: uv could not be installed, installing with pip (slower)" >&2
  for requirements in requirements.txt "$@"; do
    install -r "$requirements"
  done
  install_project
  export PATH="$PWD/.venv/bin:$PATH"
}

install() {  # into .venv, exactly what is named: the lock files list every dependency (see requirements.in)
  if [ -x .venv/bin/uv ]; then
    # The machine's own certificates, as pip uses them (a proxy with its own authority, for one).
    # Bytecode compiled now, as pip does: the sandboxed grading processes cannot write it into
    # .venv, and without it every kernel compiles numpy, IPython and nbgrader anew (3x the time).
    .venv/bin/uv pip install --quiet --system-certs --compile-bytecode --python .venv/bin/python --no-deps "$@"
  else
    .venv/bin/python -m pip install --quiet --quiet --disable-pip-version-check --no-deps "$@"
  fi
}

install_project() {  # the student kit, and the instructor's tooling (a distribution of its own: students never get it)
  install -e . -e ./tinytorch_tools
  # The kit's and the tools' bytecode too (an editable install is not compiled): the sandboxed grading
  # processes run the kit from a read-only folder, and would otherwise compile the harness anew for every
  # notebook; every nbgrader command of the course imports the tools, and compiles them anew wherever
  # Python may not write bytecode (PYTHONDONTWRITEBYTECODE, as in CI's image).
  .venv/bin/python -m compileall -q tinytorch tinytorch_tools
}

case "${1:-}" in
  demo) setup; python -m tinytorch_tools demo "${@:2}" ;;
  test) setup requirements-mutation.txt; python -m pytest tests "${@:2}" ;;
  mutate) setup requirements-mutation.txt; python -m tinytorch_tools mutate "${@:2}" ;;
  *) echo "usage: ./course.sh demo [--all] | ./course.sh test [pytest options] | ./course.sh mutate [ASSIGNMENT...]" >&2; exit 2 ;;
esac
