"""Marsad's Prefect flows (ingest, retrain, reclassify, stream), their parameters and the ``marsad`` CLI."""
