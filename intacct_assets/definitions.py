"""The code location: everything under ``defs/`` (assets, sensors, jobs, resources)."""

import warnings
from pathlib import Path

import dagster as dg

# Dagster 1.13 itself passes the beta `owners` parameter when it attaches jobs to a sensor; the
# warning is about Dagster's internals, not this project, and would show on every load.
warnings.filterwarnings("ignore", message="Parameter `owners`", category=dg.BetaWarning)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
