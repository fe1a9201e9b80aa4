# Input functions and params of the rules in theory.smk (a stage's functions live beside its rules, in
# their own file, so that `snakemake --lint` finds no functions mixed with rules).


def hessian_seeds():
    """The run seeds whose baseline solution theta* and Hessian spectra the theory stage computes."""
    return list(CFG.subspace.seeds[: CFG.theory.hessian.n_seeds])


def hessian_points():
    """The checkpoints with a Hessian spectrum: every burn-in point t0_<t0> and the baseline solution."""
    return [f"t0_{t0}" for t0 in CFG.burn_in.t0] + ["solution"]


def hessian_settings():
    """Hessian and SLQ settings without n_seeds, so adding seeds does not rerun the existing spectra."""
    return settings(CFG.theory.hessian)


def point_checkpoint(wildcards):
    """The file a hessian_spectrum job analyses: the baseline solution or the burn-in file with t0_<t0> of the seed."""
    if wildcards.point == "solution":
        return init_baseline(wildcards)
    t0 = wildcards.point.removeprefix("t0_")
    return burn_in_files(wildcards.dataset, wildcards.model, t0, [wildcards.seed])


def theory_targets():
    """The theory stage's tables and figures that `rule all` asks for."""
    tables = [
        *rules.quadratic_success.output,
        *rules.quadratic_widths.output,
        *rules.hessian_table.output,
        *rules.predict_thresholds.output,
    ]
    figures = [
        path
        for template in rules.theory_figures.output
        for path in per_network(template)
    ]
    return tables + list(rules.quadratic_figure.output) + figures
