"""Rule jamming_ensembles: per (P, N) the ensemble average's test error beside the single networks' mean."""

import pandas as pd

from dof.analysis import jamming
from dof.engine import io

io.redirect_output(snakemake.log[0])
margins = pd.concat([io.read_table(path) for path in snakemake.input.margins], ignore_index=True)
table = jamming.ensembles(margins, io.read_table(snakemake.input.runs))
print(table.to_string())
io.write_table(table, snakemake.output[0], config=snakemake.config)
