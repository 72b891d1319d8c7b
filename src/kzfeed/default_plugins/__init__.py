"""Built-in plugins. They use exactly the hook API that third-party plugins use."""
