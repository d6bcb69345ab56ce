"""tamrin.homework: the course's exercises — per-student variants drawn from a seed, worked
solutions computed by the library, and a checker that names the mistake behind a wrong
answer.

``PROBLEMS`` maps each problem id to its type (``tamrin.homework.problems``); an
``Assignment`` holds the chosen problems' numbers (problem.json); answers files are TOML
(``answers``); ``check_answers`` marks them; ``grade`` marks a class; ``sheets`` writes the
problem and solution sheets. ``tamrin homework …`` is the command line.
"""

from tamrin.homework.answers import AnswerFile, filled, load_answer_file, template
from tamrin.homework.assignment import Assignment, load_assignment, new_assignment
from tamrin.homework.check import Report, check_answers
from tamrin.homework.errors import HomeworkFileError
from tamrin.homework.problem import Mistake, Problem, Quantity, Solution, Step
from tamrin.homework.problems import PROBLEMS
