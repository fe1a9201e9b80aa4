# Input functions and params of the rules in burn_in.smk: the checkpoint a start's burn-in reads, and what a pretrain
# job trains.


def start_checkpoint(wildcards):
    """The checkpoint file of the start in the wildcards (none for init): the configured file, or the output of the
    pretrain item it names (a Snakemake input either way: replacing it reruns what starts from it).
    """
    spec = CFG.start_spec(start_of(wildcards))
    if spec is None:
        return []
    if spec.checkpoint is not None:
        return [spec.checkpoint]
    return expand(rules.pretrain.output[0], pretrain=spec.pretrain)


def start_option(wildcards):
    """The start in the wildcards as a job's param: its name (init, or a checkpoint start's), or with `reinit` its name
    and the patterns of the tensors re-drawn (a param: changing them reruns what starts from it).
    """
    name = start_of(wildcards)
    spec = CFG.start_spec(name)
    if spec is None or not spec.reinit:
        return name
    return {"name": name, "reinit": list(spec.reinit)}


def pretrain_source(wildcards):
    """The pretrain item in the wildcards as a job's params: its model (name or plug-in spec), its dataset's name and
    loader options, its seed."""
    item = next(item for item in CFG.pretrain if item.name == wildcards.pretrain)
    dataset = name_of(item.dataset)
    return {
        "model": model_option(CFG, item.model),
        "dataset": dataset,
        "data": data_options_of(dataset),
        "seed": item.seed,
    }
