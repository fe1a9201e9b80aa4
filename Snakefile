# dof: threshold training dimensions in random affine subspaces (Larsen, Fort, Becker & Ganguli, ICLR 2022).
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/burn_in.smk"
include: "workflow/rules/subspace.smk"
include: "workflow/rules/reference.smk"
include: "workflow/rules/thresholds.smk"
include: "workflow/rules/theory.smk"
include: "workflow/rules/lottery.smk"


rule all:
    default_target: True
    input:
        threshold_targets(),
        theory_targets(),
        lottery_targets(),
