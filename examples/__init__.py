"""Plug-ins shipped with dof: a tabular network on a data set of scikit-learn, and the data of a transfer experiment."""
