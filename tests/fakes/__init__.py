"""Small real implementations of the ports, with state tests can assert on."""
