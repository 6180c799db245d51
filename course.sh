#!/usr/bin/env bash
# The course's two commands (see README.md):
#   ./course.sh demo   set up, then generate every assignment, autograde sample students, print the gradebook
#                      (--all: every buggy sample, not one per module)
#   ./course.sh test   set up, then run the whole test suite (ruff and the notebook lint included)
#   ./course.sh mutate set up, then report the mutation score of each module's tests (see README.md)
set -euo pipefail
cd "$(dirname "$0")"

setup() {  # extra requirement files, if any, after requirements.txt
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  for requirements in requirements.txt "$@"; do
    .venv/bin/python -m pip install --quiet --quiet --disable-pip-version-check --no-deps -r "$requirements"
  done
  # The student kit, and the instructor's tooling (a distribution of its own: students never get it).
  .venv/bin/python -m pip install --quiet --quiet --disable-pip-version-check --no-deps -e . -e ./tinytorch_tools
  export PATH="$PWD/.venv/bin:$PATH"
}

case "${1:-}" in
  demo) setup; python -m tinytorch_tools demo "${@:2}" ;;
  test) setup requirements-mutation.txt; python -m pytest tests "${@:2}" ;;
  mutate) setup requirements-mutation.txt; python -m tinytorch_tools mutate "${@:2}" ;;
  *) echo "usage: ./course.sh demo [--all] | ./course.sh test [pytest options] | ./course.sh mutate [ASSIGNMENT...]" >&2; exit 2 ;;
esac
