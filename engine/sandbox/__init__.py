"""The sandbox of scripts and expressions from uploaded models.

``compiler`` checks and rewrites the source, ``guards`` are what the rewritten
code calls at run time, ``child`` is the sandbox process that runs it under
operating-system limits, ``pool`` starts and feeds those processes, ``transfer``
checks the data crossing the boundary, ``fast_path`` evaluates plain conditions
in the calling process, and ``evaluation`` ties them together for
engine/script_engine.py.
"""
