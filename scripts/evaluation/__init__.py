"""Helpers of scripts/eval and scripts/bench (imported with scripts/ on sys.path, not installed)."""
