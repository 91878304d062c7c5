from pathlib import Path

import pytest

from tests.feedserver import Route, serve
from tests.fixtures import feeds

EXAMPLES = Path(__file__).parents[2] / "examples" / "feeds"


@pytest.fixture()
def sample_feed_list(tmp_path):
    """The bundled sample feeds served over loopback HTTP, plus three feeds that fail whole."""
    routes = {
        f"/{path.name}": Route(body=path.read_bytes())
        for path in EXAMPLES.iterdir()
        if path.suffix in {".xml", ".atom"}
    }
    routes["/lol"] = Route(body=feeds.BILLION_LAUGHS)
    routes["/html"] = Route(body=feeds.HTML_PAGE, content_type="text/html")
    with serve(routes) as server:
        lines = ["feeds:"]
        for route in [*sorted(routes), "/missing"]:
            name = route.strip("/").replace(".", "-")
            lines += [f"  - id: {name}", f"    url: {server.url(route)}", f"    outlet: Outlet {name}"]
        path = tmp_path / "feeds.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        yield path
