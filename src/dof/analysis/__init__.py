"""Analysis of run records: aggregation, success probabilities and thresholds, method tables, predictions, figures."""
