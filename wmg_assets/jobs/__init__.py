"""Jobs written in the seed-004 lifecycle (extract, transform, validate, load)."""

from wmg_assets.jobs.base import WmgJob
from wmg_assets.jobs.customer_import import CustomerImportJob

JOBS: list[type[WmgJob]] = [CustomerImportJob]
"""The jobs the platform's definitions hold, each as an asset `jobs/<name>`."""
