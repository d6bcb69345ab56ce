"""Labs whose experiment is not written yet, declared so that none goes missing.

Each reports "not available" with the library parts it still needs; when those land and its
experiment is written, its declaration moves out of this file into a module of its own.

No lab is pending now: every claim of COURSE.md has its experiment.
"""
