"""A Hugging Face plug-in: a small transformers sequence classifier (BERT, built from a BertConfig: nothing is
downloaded) on a seeded token task, trained in random subspaces by the workflow without a wrapper.

The loader returns its features as named arrays, {"input_ids": ..., "attention_mask": ...}: the workflow indexes
them row-wise together and calls the model as model(input_ids=..., attention_mask=...); the logits are taken from
the model's output (a transformers ModelOutput). Run it with `snakemake --configfile examples/hf_text.yaml` (and
examples/hf_text_said.yaml for SAID's structure-aware subspaces on the same task)."""

from __future__ import annotations

from typing import Any

import numpy as np

PAD, CLS, MARKER = 0, 1, 2
"""Token ids: padding, the sequence start (BERT pools its state) and the marker the task looks for."""


def marker_task(
    n_train: int = 256, n_test: int = 128, length: int = 16, vocab_size: int = 32, seed: int = 0
) -> dict[str, Any]:
    """Token sequences of random length (CLS first, padding after), label 1 when the marker token appears in them:
    half of the sequences get it at a random position. Seeded; features as input_ids and attention_mask."""
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    lengths = rng.integers(length // 2, length + 1, size=n)
    ids = rng.integers(MARKER + 1, vocab_size, size=(n, length))
    labels = np.arange(n) % 2
    rng.shuffle(labels)
    positions = 1 + (rng.random(n) * (lengths - 1)).astype(np.int64)
    ids[labels == 1, positions[labels == 1]] = MARKER
    ids[:, 0] = CLS
    mask = (np.arange(length)[None, :] < lengths[:, None]).astype(np.int64)
    ids = np.where(mask == 1, ids, PAD)
    split = {"train": slice(0, n_train), "test": slice(n_train, n)}
    features = {name: {"input_ids": ids[rows], "attention_mask": mask[rows]} for name, rows in split.items()}
    return {
        "x_train": features["train"],
        "y_train": labels[split["train"]],
        "x_test": features["test"],
        "y_test": labels[split["test"]],
        "n_classes": 2,
    }


def tiny_bert(
    input_shape: tuple[int, ...],
    n_classes: int,
    vocab_size: int = 32,
    hidden: int = 16,
    layers: int = 1,
    heads: int = 2,
    intermediate: int = 32,
) -> Any:
    """BertForSequenceClassification from a small BertConfig (positions for input_shape[0] tokens, no dropout, eager
    attention: torch.func's forward-mode derivatives, the Hessian's, need it); the comment loads weights of your own."""
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=input_shape[0],
        num_labels=n_classes,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        attn_implementation="eager",
    )
    # weights on disk (and `init: own` in the config, so that they are kept):
    # return BertForSequenceClassification.from_pretrained(local_dir, num_labels=n_classes)
    return BertForSequenceClassification(config)
