#!/usr/bin/env bash
# Stop the daemons that up.sh started, by the process ids they recorded.
set -uo pipefail
state=$(realpath -m "${1:?usage: down.sh STATE_DIR}")
for name in slurmd slurmctld munged; do
  pid_file="$state/run/$name.pid"
  [ -f "$pid_file" ] || continue
  pid=$(cat "$pid_file")
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null
  rm -f "$pid_file"
done
if grep -q "# written by dof tests/workflow/slurm/up.sh" /etc/slurm/slurm.conf 2>/dev/null; then
  rm -f /etc/slurm/slurm.conf
fi
exit 0
