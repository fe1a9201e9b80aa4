"""Rule quadratic_success: P_s(d, epsilon, R) of quadratic wells from exact subspace minima (figure 5)."""

from dof.config import QuadraticConfig, from_mapping
from dof.engine import io
from dof.engine.device import limit_threads
from dof.theory import quadratic

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
success = quadratic.quadratic_success(from_mapping(QuadraticConfig, snakemake.params.quadratic, "theory.quadratic"))
print(success.groupby(["spectrum", "R"])["p_success"].describe().to_string())
io.write_table(success, snakemake.output[0], config=snakemake.config)
