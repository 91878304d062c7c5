"""Shim so Beam's ``--setup_file=./setup.py`` can package Marsad for remote workers (metadata is in pyproject.toml)."""

from setuptools import setup

setup()
