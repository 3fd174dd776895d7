#!/usr/bin/env bash
# Model updates (issue 14): package overhead for conformance models, and the update agent on
# mps2-an386 under QEMU: instructions for receive + verify + switch, per Ed25519 verification and
# per boot; its flash (code and constants of tinyforge::update) and RAM (agent object, peak stack
# of an update).
# Usage: bench/update_package.sh [BUILD_DIR]   (default: build; needs tinyforge and
# update_qemu_test built, and ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shared=${TINYFORGE_SHARED_DIR:-$(pwd)/../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tf=$build/cli/tinyforge
$tf keygen -o "$work/keys" >/dev/null
echo "model,model_bytes,package_bytes,overhead_bytes (no self-test)"
for m in hello_world_int8 person_detect kws_ref_model; do
  f=$shared/conformance/models/$m.tflite
  [ -f "$f" ] || continue
  $tf package "$f" --key "$work/keys/private.pem" --version 1.0.0 --counter 1 --board mps2-an386 \
    -o "$work/$m.tfpkg" --json | tail -1 |
    python3 -c "import json,sys; j=json.load(sys.stdin); print('$m', j['model_bytes'], j['package_bytes'], j['overhead_bytes'], sep=',')"
done
TINYFORGE_UPDATE_CUT_EVERY=${TINYFORGE_UPDATE_CUT_EVERY:-8} "$build/tests/update_qemu_test" 2>/dev/null |
  grep -E '^(mps2-an386:|TF_UPDATE|TF_RESULT)'
elf=$build/firmware/mps2-an386/update_agent.elf
if [ -f "$elf" ]; then
  arm-none-eabi-nm -C -S --size-sort "$elf" | python3 -c "
import sys
total = sum(int(l.split(' ', 3)[1], 16) for l in sys.stdin
            if len(l.split(' ', 3)) == 4 and l.split(' ', 3)[3].startswith('tinyforge::update::'))
print('flash (tinyforge::update code and constants):', total, 'bytes')"
fi
