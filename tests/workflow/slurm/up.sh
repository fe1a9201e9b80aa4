#!/usr/bin/env bash
# Bring up a single-node SLURM (Debian's slurm-wlm and munge) with all state under STATE_DIR.
# Prints the path of the slurm.conf to export as SLURM_CONF. Installs the packages if missing (root).
# Stop it with down.sh STATE_DIR, which kills the daemons by their recorded process ids.
set -euo pipefail
state=$(realpath -m "${1:?usage: up.sh STATE_DIR}")

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >&2
fi

mkdir -p "$state"/{munge,ctld,spool,log,run} /run/munge
chmod 700 "$state/munge"
# munged refuses keys and folders that are not owned by root with strict modes.
head -c 1024 /dev/urandom > "$state/munge/munge.key"
chmod 600 "$state/munge/munge.key"
socket=/run/munge/munge.socket.2
munged --force --key-file="$state/munge/munge.key" --socket="$socket" \
  --log-file="$state/log/munged.log" --pid-file="$state/run/munged.pid" --seed-file="$state/munge/munged.seed"

node_line=$(slurmd -C | head -n 1)
node_name=$(echo "$node_line" | sed -E 's/^NodeName=([^ ]+).*/\1/')
cat > "$state/slurm.conf" <<CONF
ClusterName=dof-test
SlurmctldHost=$node_name
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=3600
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
$node_line
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
# Job steps (srun inside a batch job) look for the default path, not SLURM_CONF: install it there,
# unless the machine has a slurm.conf of its own.
marker="# written by dof tests/workflow/slurm/up.sh"
if [ ! -e /etc/slurm/slurm.conf ] || grep -q "$marker" /etc/slurm/slurm.conf; then
  mkdir -p /etc/slurm
  { echo "$marker"; cat "$state/slurm.conf"; } > /etc/slurm/slurm.conf
fi
export SLURM_CONF="$state/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 1 60); do
  if sinfo -h -o "%a %T" 2>/dev/null | grep -q -E "^up (idle|mixed|allocated)"; then
    echo "$SLURM_CONF"
    exit 0
  fi
  sleep 1
done
echo "SLURM did not come up; logs in $state/log" >&2
exit 1
