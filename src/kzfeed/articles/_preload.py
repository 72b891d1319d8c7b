"""What the extraction fork server imports before it starts any worker (see ``_pool``).

Each worker is forked from the server, so what is loaded here is loaded once and shared by every
worker (copy-on-write) instead of once per worker: the extractor with trafilatura, and the
language model that ``extract_article`` detects the language with (~0.6 s of CPU to load).
"""

from __future__ import annotations

import trafilatura  # noqa: F401  (imported to be shared)

from kzfeed.articles import _extract  # noqa: F401  (imported to be shared)
from kzfeed.lang import warm_up

warm_up()
