#!/usr/bin/env bash
# make wheel-check: what a pip user gets. Builds the sdist and the wheel (the wheel from the
# sdist, as `python -m build` does), checks them, installs the wheel into a fresh venv, and
# from an empty folder runs `metis-env demo`, `metis-env list --examples` and
# `python -m metis_env --help`. Prints the wheel's licence and classifier lines.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/wheel-check
rm -rf "$out"
mkdir -p "$out"

.venv/bin/python -m build --outdir "$out/dist" . >"$out/build.log" 2>&1 ||
    { cat "$out/build.log"; echo "wheel-check: build failed"; exit 1; }
wheel=$(ls "$out"/dist/*.whl)
sdist=$(ls "$out"/dist/*.tar.gz)
.venv/bin/twine check --strict "$out"/dist/*

# The sdist carries what it takes to build, test and read the package.
tar tzf "$sdist" >"$out/sdist.txt"
for needed in LICENSE README.md CHANGELOG.md pyproject.toml mkdocs.yml docs/index.md \
    tools/mkdocs_hooks.py tests/conftest.py \
    src/metis_env/examples/environments/websocket-example/configs.json; do
    grep -q "^[^/]*/$needed\$" "$out/sdist.txt" || { echo "wheel-check: sdist lacks $needed"; exit 1; }
done
# The wheel carries the examples and the licence, and no bytecode.
.venv/bin/python -m zipfile -l "$wheel" >"$out/wheel.txt"
for needed in metis_env/py.typed metis_env/examples/environments/websocket-example/schema.py \
    .dist-info/licenses/LICENSE; do
    grep -q "$needed" "$out/wheel.txt" || { echo "wheel-check: wheel lacks $needed"; exit 1; }
done
if grep -q '__pycache__\|\.pyc ' "$out/wheel.txt"; then
    echo "wheel-check: the wheel holds bytecode"; exit 1
fi

# A fresh venv from the same interpreter as .venv, the wheel and its dependencies only.
base=$(.venv/bin/python -c 'import sys; print(sys._base_executable)')
"$base" -m venv "$out/venv"
"$out/venv/bin/python" -m pip install -q "$wheel"
venv_bin=$(cd "$out/venv/bin" && pwd)
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
(
    cd "$empty"
    export NO_COLOR=1 COLUMNS=100
    "$venv_bin/metis-env" demo
    "$venv_bin/metis-env" list --examples >/dev/null
    "$venv_bin/metis-env" check --examples
    "$venv_bin/python" -m metis_env --help
)
if [ -n "$(ls -A "$empty")" ]; then
    echo "wheel-check: the installed commands wrote into the folder they ran in"; exit 1
fi

echo "wheel-check: $(basename "$wheel") METADATA:"
.venv/bin/python - "$wheel" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    for line in wheel.read(name).decode().splitlines():
        if line.startswith(("License", "Classifier:", "Version:", "Requires-Python:")):
            print("  " + line)
PY
echo "wheel-check: OK"
