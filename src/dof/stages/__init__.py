"""Stages of an experiment: each takes its inputs and returns records (tables or checkpoint dicts)."""
