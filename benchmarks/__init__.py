"""Throughput benchmarks for feedback, each compared with a baseline run alongside it."""
