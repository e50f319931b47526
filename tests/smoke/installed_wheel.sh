#!/usr/bin/env bash
# The installed-wheel smoke test (`make test-wheel`; CI runs it after `make test`).
#
# Builds the wheel from this checkout, installs it (not editable) into a fresh
# virtual environment and runs it from another folder, with data folders of
# its own, as a user who never saw the repository would:
#   - `--help` and `--version` with no display at all;
#   - `--screenshot` of the main window and `--screenshot-history` of the
#     history dialog on the embedded demo, with no missing-file message and
#     the status icons drawn;
#   - `server serve --demo --port 0` prints its URL, answers, and stops
#     cleanly on SIGTERM.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/desktop-app-wheel.XXXXXX")"
server_pid=""

cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '== %s\n' "$*"; }
fail() {
    echo "installed wheel: FAILED: $*" >&2
    exit 1
}
# Messages that mean a file the app needs was not found.
MISSING='no such file|not found|missing|cannot open|could not open|FileNotFoundError|Traceback'

step "build the wheel"
"$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/wheel" "$ROOT"
wheel="$(ls "$WORK"/wheel/desktop_app-*.whl)"
ls -sh "$wheel"

step "install it into a fresh virtual environment"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"
app="$WORK/venv/bin/desktop-app"
py="$WORK/venv/bin/python"

# Another folder, another home: nothing may come from the checkout.
mkdir -p "$WORK/elsewhere" "$WORK/home"
cd "$WORK/elsewhere"
export HOME="$WORK/home"
export XDG_DATA_HOME="$HOME/data" XDG_CONFIG_HOME="$HOME/config" XDG_CACHE_HOME="$HOME/cache"
export XDG_STATE_HOME="$HOME/state"
export PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
unset PYTHONPATH DAGSTER_CLOUD_API_TOKEN
location="$("$py" -c 'import desktop_app; print(desktop_app.__file__)')"
case "$location" in
    "$WORK/venv/"*) ;;
    *) fail "desktop_app was imported from $location, not from the installed wheel" ;;
esac

step "--help and --version without a display"
env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$app" --help >help.txt 2>&1 ||
    fail "--help: $(cat help.txt)"
for word in history deploy server bench --screenshot --version; do
    grep -q -- "$word" help.txt || fail "--help does not mention $word"
done
env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$app" --version >version.txt
grep -Eq '^desktop-app [0-9]' version.txt || fail "--version printed: $(cat version.txt)"
cat version.txt

step "--screenshot of the main window and the history dialog (embedded demo)"
QT_QPA_PLATFORM=offscreen timeout 300 "$app" --screenshot main.png \
    --screenshot-history history.png >gui.log 2>&1 || fail "the window: $(cat gui.log)"
if grep -Ei "$MISSING" gui.log; then fail "a missing-file message (above)"; fi
QT_QPA_PLATFORM=offscreen "$py" - main.png history.png <<'EOF' || fail "the screenshots"
import sys

from PySide6.QtGui import QColor, QGuiApplication, QImage

app = QGuiApplication([])
loaded = QColor("#2e9d5b")  # the fill of the status-loaded icon
for path in sys.argv[1:]:
    image = QImage(path)
    if image.isNull() or image.width() < 400 or image.height() < 200:
        sys.exit(f"{path}: not a window picture ({image.width()}x{image.height()})")
    green = sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, min(image.width(), 400), 2)
        if image.pixelColor(x, y) == loaded
    )
    if green < 10:
        sys.exit(f"{path}: no status icon drawn")
    print(f"{path}: {image.width()}x{image.height()}, status icons drawn")
EOF

step "server serve --demo --port 0"
"$app" server serve --demo --port 0 >serve.log 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 180); do
    url="$(grep -m1 '^http://' serve.log || true)"
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || fail "the server stopped: $(cat serve.log)"
    sleep 1
done
[ -n "$url" ] || fail "the server printed no URL in 180 s: $(cat serve.log)"
if grep -Ei "$MISSING" serve.log; then fail "a missing-file message (above)"; fi
echo "listening on $url"
"$py" - "$url" <<'EOF' || fail "the server did not answer"
import sys

import requests

answer = requests.post(
    sys.argv[1],
    json={"query": "{ identity { viewer { email } } }"},
    headers={"Dagster-Cloud-Api-Token": "demo-token-viewer"},
    timeout=30,
)
answer.raise_for_status()
assert answer.json()["data"]["identity"]["viewer"]["email"] == "viewer@example.com", answer.text
EOF
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
[ "$status" -eq 0 ] || fail "the server exited with $status on SIGTERM: $(cat serve.log)"

echo "installed wheel: all checks passed"
