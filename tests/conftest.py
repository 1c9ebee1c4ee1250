"""Shared test setup.

Keras 3 picks its backend at import time and looks for TensorFlow without this
variable; the conformance tests run it on PyTorch (and on JAX in a subprocess where
the backends disagree).
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# CI runs a fixed, reproducible set of examples (derandomized); local runs keep drawing
# new ones, which is how rare bugs are found. HYPOTHESIS_PROFILE overrides either.
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
