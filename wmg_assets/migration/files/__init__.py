"""File-level migration checks: the code base comparator (git vs deployed code) and the
domain document validator (a domain's documents vs the templates)."""
