"""The course's modules in order: the package name each notebook becomes, and its assignment."""

MODULES = {
    "tensor": "01_tensor",
    "autograd": "02_autograd",
    "activations": "03_activations",
    "layers": "04_layers",
    "networks": "05_networks",
    "losses": "06_losses",
    "optimizers": "07_optimizers",
    "embeddings": "08_embeddings",
    "attention": "09_attention",
    "transformers": "10_transformers",
    "tinygpt": "11_tinygpt",
    "language_model": "12_language_model",
}

ASSIGNMENTS = {assignment: name for name, assignment in MODULES.items()}


def notebook_path(course_folder, name):
    """Where a student's notebook for module `name` lives inside a folder of assignments."""
    return course_folder / MODULES[name] / f"{name}.ipynb"
