"""Pretraining (the pretrain stage): a source network trained in the full space from its seeded initialisation, whose
state_dict is the checkpoint of a start (transfer: d* of a target task from weights trained on another)."""

from __future__ import annotations

from typing import Any

import torch

from dof.config import BaselineConfig, BurnInConfig
from dof.engine.data import Dataset
from dof.engine.models import ModelSpec
from dof.engine.network import restore_network
from dof.stages.baseline import train_baseline
from dof.stages.burn_in import burn_in_checkpoint

SUMMARY_KEYS = ("dataset", "model", "seed", "steps", "loop_status", "train_loss", "train_acc", "test_loss", "test_acc")
"""What the pretrain job logs of its training."""


def pretrained_state(
    data: Dataset, model: ModelSpec, seed: int, config: BaselineConfig
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(state_dict, summary): the network trained from seed's theta_0 with the baseline's Adam, batch size and epochs
    (its weights and buffers, as torch.save would store a model's), and how the training ended."""
    theta_0 = burn_in_checkpoint(data, model, seed, 0, BurnInConfig())
    trained = train_baseline(data, theta_0, config)
    state = {name: tensor.detach().clone() for name, tensor in restore_network(trained, data).state_dict().items()}
    return state, {key: trained[key] for key in SUMMARY_KEYS}
