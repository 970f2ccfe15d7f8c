#!/usr/bin/env bash
# Trainer vs Hugging Face transformers/TRL, side by side on the same checkpoints and data (docs/performance.md,
# "Side by side with transformers and TRL"). Creates the peer's virtualenv on first use, outside the repository.
#   bench/peer/side-by-side.sh                        # every task, 3M and 25M, 3 interleaved rounds
#   bench/peer/side-by-side.sh --tasks score --rounds 2
# Options: see `python3 bench/peer/side_by_side.py --help`. PEER_VENV (default /tmp/venv-peer) picks the virtualenv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${PEER_VENV:-/tmp/venv-peer}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import trl" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi
jar="$here/../../trainer-image/target/selfalign-trainer.jar"
if [ ! -f "$jar" ]; then
  (cd "$here/../.." && ./mvnw -B -o -q package -pl trainer-image -am -DskipTests)
fi
# Idle OpenMP threads sleep instead of spinning: on a shared machine spinning threads steal the other side's cores.
export OMP_WAIT_POLICY=PASSIVE
exec python3 "$here/side_by_side.py" --jar "$jar" --python "$venv/bin/python" "$@"
