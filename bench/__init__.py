"""Benchmarks of frontline against the notebook way (``python -m bench``); see bench/README.md."""
