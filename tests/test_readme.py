"""The README's "Use it in your own loop" example runs as printed (only its epoch count shrunk), so it cannot rot."""

import copy
import re
from pathlib import Path

import torch

import dof

README = Path(__file__).resolve().parents[1] / "README.md"
SECTION = "## Use it in your own loop"


def example() -> str:
    """The first ```python block after the section's heading."""
    text = README.read_text()
    assert SECTION in text, f"README.md lost its section {SECTION!r}"
    block = re.search(r"```python\n(.*?)```", text[text.index(SECTION) :], flags=re.DOTALL)
    assert block, f"no python block under {SECTION!r}"
    return block.group(1)


def test_the_example_trains_plainly_and_with_said_and_saves_a_rebuildable_state(tmp_path, monkeypatch, capsys):
    code = example()
    assert re.search(r"^epochs = \d+$", code, flags=re.MULTILINE), "the example's epoch count moved"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(re.sub(r"^epochs = \d+$", "epochs = 1", code, flags=re.MULTILINE), str(README), "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in printed] == ["fastfood", "said"]
    net = namespace["net"]  # the SAID run, the loop's last
    assert net.settings["projection"] == "said" and sum(p.numel() for p in net.parameters()) == net.dim
    state = torch.load(tmp_path / "said.pt", weights_only=True)
    rebuilt = dof.SubspaceModule.from_state(copy.deepcopy(net.network), state).eval()  # the network holds theta_0
    x = namespace["x"][:64]
    assert torch.equal(rebuilt(x), net.eval()(x))
