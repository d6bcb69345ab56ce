"""The playground's limits, each with its reason (docs/playground.md lists them).

A request beyond a model or data limit is refused with HTTP 422 and a message naming the
control; a session beyond ``MAX_SESSIONS`` with HTTP 429. The time constants set how often
the views refresh and when an abandoned session is dropped.
"""

from __future__ import annotations

# ---- model and data size: one training step and one refresh of the views stay in the tens of
# milliseconds on one CPU core, so the page stays live even with several sessions at once.
MAX_HIDDEN_LAYERS = 16        # deep enough for vanishing gradients (10 layers show 1e-6)
MAX_WIDTH = 128               # units per hidden layer
MAX_PARAMETERS = 100_000      # weights + biases of the whole network (depth × width² bounds)
MIN_SAMPLES, MAX_SAMPLES = 20, 2000   # points of a 2-D toy set (digits has its own 1,797)
MAX_BATCH_SIZE = 2000         # larger than any training set: a larger value means full batch
MAX_LEARNING_RATE = 100.0     # far past any useful rate: room to show divergence
MAX_PENALTY = 1.0             # L1 and L2 strengths
MAX_DROPOUT = 0.9
MAX_NOISE = 1.0
MIN_VALIDATION, MAX_VALIDATION = 0.1, 0.5   # validation fraction
MAX_SEED = 2**32 - 1

# ---- sessions: each one is a worker process holding one model (tens of MiB of memory).
MAX_SESSIONS = 16             # open sessions (browser tabs) at once, across all clients
IDLE_TIMEOUT_S = 120.0        # a session nobody asked about for this long is dropped
REAP_INTERVAL_S = 5.0         # how often idle sessions are looked for
COMMAND_TIMEOUT_S = 30.0      # a worker that does not answer a command in time is an error
START_TIMEOUT_S = 60.0        # a new worker builds its data and model within this
MAX_PENDING_COMMANDS = 8      # commands waiting for one worker; more is HTTP 429
WORKER_NICENESS = 5           # workers run at a lower priority than the web server

# ---- live views
SNAPSHOT_INTERVAL_S = 0.1     # a running worker refreshes its views 10 times a second
GRID_SIZE = 48                # the decision-boundary heat map is GRID_SIZE × GRID_SIZE
HISTOGRAM_BINS = 24
PROBE_SAMPLES = 512           # training points whose activations the histograms show
EVERY_STEP_UNTIL = 100        # the first steps get a history point each, later ones one per
                              # snapshot (a too-large step's jumps happen in the first dozens)
MAX_HISTORY_POINTS = 2000     # then every other point is dropped (older parts get sparser)
