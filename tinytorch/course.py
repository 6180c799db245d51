"""The course's facts, in one place: its modules in order, the assignment each one is, and
which modules are graded on the student's own chain of earlier modules."""

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
    "inference": "13_inference",
}

ASSIGNMENTS = {assignment: name for name, assignment in MODULES.items()}
ORDER = list(MODULES)  # the package names, in course order

# The capstone is the first module graded on the student's own modules (01-10): it passes only
# when they all fit together. The language model trains the capstone, and inference measures and
# speeds it up: both are graded on the student's own chain too.
CAPSTONE = "11_tinygpt"
LANGUAGE_MODEL = "12_language_model"
INFERENCE = "13_inference"
GRADED_ON_OWN_CHAIN = {CAPSTONE, LANGUAGE_MODEL, INFERENCE}


def notebook_path(course_folder, name):
    """Where a student's notebook for module `name` lives inside a folder of assignments."""
    return course_folder / MODULES[name] / f"{name}.ipynb"


# A module builds on every module before it, unless named here with the modules it needs:
# inference runs the capstone's TinyGPT (01-11) and never trains on text (12), so a student's
# chain without 12 grades it in full, and its blame never names 12.
BUILT_ON = {"inference": ORDER[: ORDER.index("tinygpt") + 1]}


def earlier_modules(name):
    """The package names of the modules `name` builds on, in course order."""
    return BUILT_ON.get(name, ORDER[: ORDER.index(name)])
