"""Where articles come from: the feed list, HTTP and local fetching, per-feed fetch state."""
