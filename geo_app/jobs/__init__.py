"""Jobs for the queue (procrastinate): deliveries, deadline sweeps, digests — thin, they call services."""
