"""Marsad's models: Arabic text normalization, topic taxonomy, classifier, actors and the model registry."""
