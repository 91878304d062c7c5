"""Marsad's Apache Beam jobs: batch ingest, streaming, reclassification, and the transforms they share."""
