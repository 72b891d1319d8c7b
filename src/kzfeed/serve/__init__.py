"""``kzfeed serve``: HTTP serving of ``public/``."""
