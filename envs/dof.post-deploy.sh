#!/bin/sh
# Snakemake (--sdm conda) runs this once, inside the env of envs/dof.yaml, from its working directory, after the
# pinned packages are in: it installs the dof package the rules' scripts import, editable from the checkout (so the
# env follows the source). Set DOF_SOURCE=/path/to/checkout when the working directory is not the checkout.
set -eu
source_dir="${DOF_SOURCE:-$PWD}"
if [ ! -f "$source_dir/pyproject.toml" ] || [ ! -d "$source_dir/src/dof" ]; then
    echo "envs/dof.post-deploy.sh: no dof source (pyproject.toml and src/dof) in $source_dir;" \
        "run snakemake from the checkout or set DOF_SOURCE=/path/to/checkout" >&2
    exit 1
fi
python -m pip install --no-deps --editable "$source_dir"
