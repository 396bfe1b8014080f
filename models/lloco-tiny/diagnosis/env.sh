# Shared settings of the diagnosis scripts (sourced). Override any of them from the environment.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
RUN=${RUN:-$(cd "$ROOT/.." && pwd)/lloco-train}     # tools/train/run.sh build output: $RUN/classes, $RUN/classpath.txt
DIAG=${DIAG:-${TMPDIR:-/tmp}/lloco-diag}           # run outputs, logs, snapshots, probe classes
JAVA=${JAVA:-java}                                  # a JDK >= 21
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$DIAG"
