"""Plug-ins shipped with dof: a tabular network on a data set of scikit-learn, the data of a transfer experiment, and a
Hugging Face classifier on a token task (hf_text)."""
