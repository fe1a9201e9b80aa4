"""Rule report_table: one key table of the experiment as a sortable HTML page for the report."""

from dof.analysis.report import PAGE_LAYOUTS, table_html
from dof.engine import io

io.redirect_output(snakemake.log[0])
table = snakemake.wildcards.table
page = table_html(io.read_table(snakemake.input[0]), f"{table}: {snakemake.params.title}", PAGE_LAYOUTS.get(table))
with io.atomic_path(snakemake.output[0]) as tmp:
    tmp.write_text(page)
