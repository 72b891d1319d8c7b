"""One run: collect from the sources, normalise, classify, group into stories, store, record source health."""
