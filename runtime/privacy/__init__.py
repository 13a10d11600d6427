"""Personal data: keyed number hashes, masking, erasure and retention."""
