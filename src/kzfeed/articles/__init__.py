"""Articles: bytes in, clean article out (plain text and furniture, HTML extraction on a process pool, dates, listings, sanitising)."""
