"""Render the `jupyterhub` chart with lawstudy's values, as `helm template` would, and check them
against the chart's values schema. A check for developers; the bureau's IT runs `helm` itself.

    python deploy/z2jh/render.py --chart PATH/TO/zero-to-jupyterhub-k8s/jupyterhub [-f site.yaml] [-o out.yaml]

Needs Helm's Go SDK from Python (`pip install helm-python-sdk`: Helm v4 as a shared library, no
helm binary; not a lawstudy dependency) and the chart's source folder (the jupyterhub/ folder of
the zero-to-jupyterhub-k8s repository; its values.schema.yaml is turned into the
values.schema.json that Helm reads, as the chart's own release tooling does). Prints the kinds and
names of the objects rendered, and exits non-zero when the values break the schema or a template.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SITE_EXAMPLE = {
    "hub": {"config": {"JupyterHub": {"authenticator_class": "ldapauthenticator.LDAPAuthenticator"}}},
    "proxy": {
        "https": {
            "enabled": True,
            "hosts": ["xuefa.example.gov.cn"],
            "letsencrypt": {"contactEmail": "it@example.gov.cn"},
        }
    },
}


def merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, value in b.items():
        out[key] = merge(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


def render(chart_dir: Path, values: dict) -> dict[str, str]:
    """{template path: rendered YAML} for `values` (raises helm_python's errors on a schema or template error)."""
    import helm_python as helm

    schema = chart_dir / "values.schema.yaml"
    if schema.exists():
        (chart_dir / "values.schema.json").write_text(json.dumps(yaml.safe_load(schema.read_text())), encoding="utf-8")
    with helm.Chart.load(str(chart_dir)) as chart:
        chart.validate_schema(values)
        return chart.render(values, name="lawstudy", namespace="lawstudy")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chart", required=True, type=Path, help="the chart's source folder (jupyterhub/)")
    parser.add_argument(
        "-f", "--values", type=Path, action="append", default=[], help="site values (default: an example)"
    )
    parser.add_argument("-o", "--output", type=Path, help="write the rendered manifests here")
    args = parser.parse_args(argv)
    values = yaml.safe_load((HERE / "values.yaml").read_text(encoding="utf-8"))
    for extra in args.values or []:
        values = merge(values, yaml.safe_load(extra.read_text(encoding="utf-8")) or {})
    if not args.values:
        values = merge(values, SITE_EXAMPLE)
    try:
        rendered = render(args.chart, values)
    except Exception as error:  # noqa: BLE001  (helm's schema and template errors, shown as one line)
        print(f"render failed: {error}", file=sys.stderr)
        return 1
    docs = [d for path, text in rendered.items() if path.endswith(".yaml") for d in yaml.safe_load_all(text) if d]
    for doc in docs:
        print(f"{doc['kind']:<24}{doc['metadata']['name']}")
    print(f"{len(docs)} objects from {len(rendered)} templates")
    if args.output:
        args.output.write_text("---\n".join(yaml.safe_dump(d, allow_unicode=True) for d in docs), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
