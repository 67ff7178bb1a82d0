"""eastwest: load, validate and compute the East–West pairing poverty-alleviation figures."""
