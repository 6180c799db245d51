"""Command processes end without Python's final garbage collection.

At exit, Python collects the garbage of every module it imported: 0.2 s of CPU for the 1,400 modules
of an nbgrader command (jupyter_server, nbconvert, SQLAlchemy), paid by every command, about a tenth
of what stock `nbgrader autograde` adds to a notebook. Frozen, those objects are still freed as their
references go; only garbage in reference cycles is left to the OS, which takes the whole process back
a moment later. Files, the gradebook and logs are closed before: nbgrader and these commands close
what they write, and logging and weakref finalizers run after this (atexit runs in reverse order).
"""

import atexit
import gc


def skip_final_garbage_collection():
    atexit.register(gc.freeze)
