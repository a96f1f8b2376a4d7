"""Reconstructable targets for `dg.execute_job` (re-execution from failure needs one): the
ELT job named by `WMG_TEST_ELT_JOB`, from the definitions of `WMG_CONFIG_DIR`."""

import os

import dagster as dg


def elt_job() -> dg.JobDefinition:
    from wmg_assets.definitions import load_definitions

    return load_definitions().resolve_job_def(f"elt__{os.environ['WMG_TEST_ELT_JOB']}")
