"""Test kit for kzfeed and its plugins: real components that work offline."""
