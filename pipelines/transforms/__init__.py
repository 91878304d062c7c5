"""One composite ``PTransform`` per business step, shared by the batch and streaming jobs."""
