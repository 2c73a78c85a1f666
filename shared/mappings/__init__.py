"""Field mappings kept as data, and the one function that applies them."""
