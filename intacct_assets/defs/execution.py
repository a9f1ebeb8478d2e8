"""How runs execute: every step inside the run's own process.

Steps here are small and mostly wait on the warehouse lock or on Intacct's two request slots, so a
process per step (Dagster's default) bought no parallelism and cost a Python start-up per step:
on two cores the demo's DDS runs queued faster than they ran.
"""

import dagster as dg


@dg.definitions
def execution() -> dg.Definitions:
    return dg.Definitions(executor=dg.in_process_executor)
