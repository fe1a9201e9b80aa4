# dof: threshold training dimensions in random affine subspaces (Larsen, Fort, Becker & Ganguli, ICLR 2022).
from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

from dof.validation import short_validation_error

min_version("9.0")


configfile: "config/config.yaml"


# A bad key or value: a few lines naming it, not Snakemake's print of the whole schema and config.
try:
    validate(config, "workflow/schemas/config.schema.yaml")
except WorkflowError as error:
    raise short_validation_error(error) from None


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/burn_in.smk"
include: "workflow/rules/subspace.smk"
include: "workflow/rules/baseline.smk"
include: "workflow/rules/thresholds.smk"
include: "workflow/rules/theory.smk"
include: "workflow/rules/lottery.smk"
include: "workflow/rules/jamming.smk"
include: "workflow/rules/connectivity.smk"
include: "workflow/rules/goldilocks.smk"
include: "workflow/rules/confinement.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        threshold_targets(),
        theory_targets(),
        lottery_targets(),
        jamming_targets(),
        connectivity_targets(),
        goldilocks_targets(),
        confinement_targets(),
        report_targets(),
