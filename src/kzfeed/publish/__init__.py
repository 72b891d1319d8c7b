"""Publishing: everything written to ``public/`` (Atom, RSS, JSON Feed, archives, pages, OPML, the operator feed)."""
