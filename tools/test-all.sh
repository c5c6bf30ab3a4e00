#!/usr/bin/env bash
# make test-all: run the test suite on every Python it finds, each in a venv of its own.
#
# Usage: tools/test-all.sh VERSION...   (e.g. 3.11 3.12 3.13)
# For each VERSION, the interpreter is pythonVERSION on PATH when it runs, else pyenv's
# ($PYENV_ROOT/versions/VERSION*/bin). The main .venv is used for its own version; other
# versions get .venv-VERSION, made once and reinstalled only when pyproject.toml changes.
# Lint and type checks run once, in `make test`; this runs pytest only.
set -uo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local version=$1 candidate
    if command -v "python$version" >/dev/null && "python$version" -c '' 2>/dev/null; then
        command -v "python$version"
        return 0
    fi
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version"*/bin/"python$version"; do
        if [ -x "$candidate" ] && "$candidate" -c '' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

main_version=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
passed=() failed=() missing=()
for version in "$@"; do
    if [ "$version" = "$main_version" ]; then
        venv=.venv
    else
        venv=.venv-$version
        if ! python=$(find_python "$version"); then
            echo "test-all: no Python $version found; skipped"
            missing+=("$version")
            continue
        fi
        if [ ! -f "$venv/.installed" ] || [ pyproject.toml -nt "$venv/.installed" ]; then
            echo "test-all: setting up $venv with $python"
            { [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"; } &&
                "$venv/bin/python" -m pip install -q --upgrade pip &&
                "$venv/bin/python" -m pip install -q -e '.[dev,fast,bench]' &&
                touch "$venv/.installed" ||
                { echo "test-all: cannot set up $venv"; failed+=("$version"); continue; }
        fi
    fi
    echo "test-all: Python $version ($venv)"
    started=$SECONDS
    # shellcheck disable=SC2086  # PYTEST_ARGS is a list of words
    if PYTHONASYNCIODEBUG=1 PYTHONWARNINGS=default \
        "$venv/bin/python" -m pytest -q -p no:cacheprovider ${PYTEST_ARGS:-}; then
        passed+=("$version")
        echo "test-all: Python $version passed in $((SECONDS - started)) s"
    else
        failed+=("$version")
        echo "test-all: Python $version FAILED after $((SECONDS - started)) s"
    fi
done

echo "test-all: passed on ${passed[*]:-none}; failed on ${failed[*]:-none}; not found: ${missing[*]:-none}"
[ ${#failed[@]} -eq 0 ] && [ ${#passed[@]} -gt 0 ]
