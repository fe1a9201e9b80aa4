"""The report's captions (workflow/report/*.rst) describe the run: rendered as Snakemake renders them (Jinja2 with the
job's `snakemake` object, then docutils), they hold the config's values, name the real results folder and mention
only what the run draws. No snakemake run is needed: the config is validated as the Snakefile does."""

import copy
import html
import re
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
import yaml
from docutils.core import publish_parts
from snakemake.utils import validate

ROOT = Path(__file__).resolve().parents[2]
CAPTIONS = sorted((ROOT / "workflow" / "report").glob("*.rst"))
WILDCARDS = {"dataset": "mnist5k", "model": "conv2", "depth": "2", "table": "thresholds"}


def merged(base: dict, over: dict) -> dict:
    """`over` merged into a copy of `base`, nested mappings key by key (as --configfile merges)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def run_config(*files: str, **changes: dict) -> dict:
    """config/config.yaml with the given config files and changes merged over it, validated with its defaults."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    for name in files:
        config = merged(config, yaml.safe_load((ROOT / "config" / name).read_text()))
    config = merged(config, changes)
    validate(config, str(ROOT / "workflow" / "schemas" / "config.schema.yaml"))
    return config


EVERY_STAGE = {
    "baseline": {"enabled": True},
    "lottery": {"enabled": True, "supermask": {"enabled": True}},
    "jamming": {"enabled": True, "subspace": {"dims": [8, 16]}},
    "connectivity": {"enabled": True, "disjoint_data": True, "path_width": 32},
    "goldilocks": {"enabled": True},
    "confinement": {"enabled": True, "trajectory_steps": [1, 2]},
    "thresholds": {"refine": {"rounds": 2}},
}


def render(caption: Path, config: dict) -> str:
    """The caption as HTML, rendered like Snakemake's report (undefined names and RST warnings are errors here)."""
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    snakemake = SimpleNamespace(config=config, wildcards=SimpleNamespace(**WILDCARDS), params=SimpleNamespace())
    text = env.from_string(caption.read_text()).render(snakemake=snakemake)
    return publish_parts(text, writer="html", settings_overrides={"halt_level": 2, "report_level": 5})["body"]


def plain(markup: str) -> str:
    """Rendered HTML as text: tags removed, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", markup)))


def text_of(name: str, config: dict) -> str:
    """A caption's rendered text."""
    return plain(render(ROOT / "workflow" / "report" / name, config))


@pytest.fixture(scope="module")
def configs() -> dict[str, dict]:
    return {"default": run_config(), "smoke": run_config("smoke.yaml"), "every_stage": run_config(**EVERY_STAGE)}


@pytest.mark.parametrize("config", ["default", "smoke", "every_stage"])
@pytest.mark.parametrize("caption", CAPTIONS, ids=[c.name for c in CAPTIONS])
def test_every_caption_renders_with_the_runs_values(caption, config, configs):
    text = plain(render(caption, configs[config]))
    assert "<experiment>" not in text
    assert "{{" not in text and "{%" not in text
    assert "None" not in text and "[]" not in text, text


def test_captions_name_the_real_results_folder(configs):
    for name in ("table.rst", "workflow.rst", "hessian_spectra.rst", "d_star_prediction.rst", "fig5_quadratic.rst"):
        assert "results/default/" in text_of(name, configs["default"]), name
        assert "results/smoke/" in text_of(name, configs["smoke"]), name
    assert "results/default/thresholds.parquet" in text_of("table.rst", configs["default"])


def test_figure2_explains_the_dashed_line_only_when_a_baseline_is_drawn():
    off, on = text_of("fig2_success_map.rst", run_config()), text_of("fig2_success_map.rst", run_config(**EVERY_STAGE))
    assert "dashed" not in off and "no full-model line" in off
    assert "The dashed line is the mean accuracy of the full network" in on and "learning rate 0.001" in on


def test_hessian_caption_gives_the_examples_seeds_and_probes_used(configs):
    default, smoke = (text_of("hessian_spectra.rst", configs[name]) for name in ("default", "smoke"))
    assert "500 training examples" in default and "100 training examples" in smoke
    assert "top 20 eigenvalues" in default and "top 10 eigenvalues" in smoke
    assert "from 3 probes" in default and "from 2 probes" in smoke
    assert "t0 = 0, 4, 16" in default


def test_prediction_caption_explains_the_error_bars_and_the_dotted_top_k_bound():
    text = text_of("d_star_prediction.rst", run_config())
    assert "error bars are plus and minus one standard error of that SLQ estimate over the probes" in text
    assert 'Dotted, "top-k lower bound": the same sum over the top 20 Lanczos eigenvalues alone' in text
    assert "the prediction lies above it" in text


def test_figure3_says_the_band_is_one_sided_only_when_success_needs_every_seed():
    five = text_of("fig3_thresholds.rst", run_config())
    assert "with 5 seeds and delta = 0.1, success needs 5 of 5 runs" in five
    twenty = text_of("fig3_thresholds.rst", run_config(subspace={"seeds": list(range(20))}))
    assert "one-sided" not in twenty
    assert "(95 %, ``thresholds.confidence``)" not in five and "(95 %," in five


def test_front_page_describes_the_run():
    text = text_of("workflow.rst", run_config())
    assert "conv2 on mnist5k" in text and "t0 in 0, 4, 16" in text and "5 seeds" in text
    assert "refinement" not in text
    assert "(and 2 refinement rounds)," in text_of("workflow.rst", run_config(**EVERY_STAGE))
