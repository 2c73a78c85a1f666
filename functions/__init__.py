"""Thin triggers, one blueprint module per flow family: parse input, call one handler."""
