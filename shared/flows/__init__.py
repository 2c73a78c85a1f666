"""One module per flow: gather from ports, decide with a pure planner, apply."""
