"""`benchmark-gpt`: a reference TinyGPT training step against PyTorch on the CPU."""

HELP = "time a reference TinyGPT training step, and its characters per second, against PyTorch"


def add_arguments(parser):
    pass


def run(arguments):
    from tinytorch_tools.benchmarks.gpt import benchmark_gpt

    benchmark_gpt()
