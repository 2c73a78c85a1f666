"""Operator CLI (`hub …`) and the local host that runs function_app.py without Core Tools."""
