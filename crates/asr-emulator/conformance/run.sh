#!/usr/bin/env bash
# Conformance run: the official DashScope Python SDK (pinned) against a fresh asr-emulator.
#
# 1. Creates a venv at $CARGO_TARGET_DIR/conformance-venv (default target/) once and installs
#    the pinned SDK from PyPI into it.
# 2. Builds and starts `asr-emulator --port 0` with short delays and reads its base URL from the
#    first line it prints.
# 3. Runs conformance.py against <base>/api/v1 and stops the emulator on any exit.
#
# Exit status: conformance.py's (0 when every check passed), or non-zero on a setup failure.
set -euo pipefail

SDK_VERSION="2.0.2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
venv="$target/conformance-venv"
python="${PYTHON:-python3}"

if ! "$venv/bin/python" -c "import dashscope, sys; sys.exit(dashscope.__version__ != '$SDK_VERSION')" 2>/dev/null; then
    echo "conformance: installing dashscope==$SDK_VERSION into $venv" >&2
    "$python" -m venv --clear "$venv" || {
        echo "conformance: could not create a venv with $python (install python3-venv?)" >&2
        exit 1
    }
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "dashscope==$SDK_VERSION" || {
        echo "conformance: pip could not install dashscope==$SDK_VERSION from PyPI" >&2
        exit 1
    }
fi

echo "conformance: building asr-emulator" >&2
(cd "$root" && CARGO_TARGET_DIR="$target" cargo build --quiet --package asr-emulator --bin asr-emulator)

workdir="$(mktemp -d)"
emulator_pid=""
cleanup() {
    if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

# Tasks stay PENDING for about a third of the processing time (1.5 s): ample for the cancel
# check on a loaded machine, short enough that the SDK's 1 s polling finishes quickly.
"$target/debug/asr-emulator" --port 0 --processing-time 4500ms --vocabulary-ready-after 1s \
    >"$workdir/stdout" 2>"$workdir/stderr" &
emulator_pid=$!

base=""
for _ in $(seq 1 300); do
    if [[ -s "$workdir/stdout" ]]; then
        base="$(head -n 1 "$workdir/stdout" | tr -d '\r')"
        [[ "$base" == http*://* ]] && break
        base=""
    fi
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
        echo "conformance: asr-emulator exited before printing its URL:" >&2
        cat "$workdir/stderr" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$base" ]]; then
    echo "conformance: asr-emulator printed no base URL within 30 s" >&2
    cat "$workdir/stderr" >&2
    exit 1
fi
echo "conformance: emulator at $base" >&2

status=0
# Region and workspace variables would make the SDK rewrite hosts; proxies must not see 127.0.0.1.
env -u DASHSCOPE_API_REGION -u DASHSCOPE_WORKSPACE_ID -u DASHSCOPE_API_KEY_FILE_PATH \
    DASHSCOPE_HTTP_BASE_URL="$base/api/v1" \
    DASHSCOPE_COMPATIBLE_BASE_URL="$base/compatible-mode/v1" \
    DASHSCOPE_API_KEY="sk-conformance" \
    NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost" \
    "$venv/bin/python" "$here/conformance.py" || status=$?
if [[ $status -ne 0 ]]; then
    echo "conformance: emulator stderr follows" >&2
    tail -n 50 "$workdir/stderr" >&2 || true
fi
exit "$status"
