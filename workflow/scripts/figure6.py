"""Rule figure6: d*/D against the accuracy threshold for every (architecture, dataset) of the experiment."""

from pathlib import Path

from dof.analysis.plotting import save_figure
from dof.analysis.thresholds_figures import threshold_fraction_figure
from dof.engine import io

io.redirect_output(snakemake.log[0])
thresholds = io.read_table(snakemake.input.thresholds)
figure = threshold_fraction_figure(thresholds, t0=min(thresholds["t0"]))
save_figure(figure, Path(snakemake.output.png).with_suffix(""))
