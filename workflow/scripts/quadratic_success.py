"""Rule quadratic_success: P_s(d, epsilon, R) of quadratic wells from exact subspace minima (figure 5)."""

from dof import io, theory

io.redirect_output(snakemake.log[0])
theory.limit_threads(snakemake.threads)
success = theory.quadratic_success(snakemake.params.quadratic)
print(success.groupby(["spectrum", "R"])["p_success"].describe().to_string())
io.write_table(success, snakemake.output[0], config=snakemake.config)
