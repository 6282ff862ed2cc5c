"""docker-compose.yml: the app is reachable only through the nginx proxy, so believing one proxy is safe."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_app_is_not_published_and_trusts_only_the_proxy_in_front_of_it():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    app = services["app"]
    assert "ports" not in app, "port 8000 must not be published: clients would bypass the proxy"
    trusted = int(app["environment"]["TRUSTED_PROXIES"])
    proxies = [s for s in services.values() if "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in s.get("volumes", [])]
    assert trusted == len(proxies) == 1
    assert proxies[0]["ports"] and proxies[0]["depends_on"] == {"app": {"condition": "service_healthy"}}


def test_the_proxy_sets_the_forwarded_address_instead_of_appending_to_it():
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "$proxy_add_x_forwarded_for" not in site.replace("# ", "")
