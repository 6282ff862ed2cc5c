"""The city-scale benchmark: a deterministic dataset generator and the figures behind `make bench`."""
