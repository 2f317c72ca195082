"""deploy/z2jh/: the chart values load the way Zero to JupyterHub loads them, and resolve with the real
KubeSpawner into the pods a city's staff and trainers get.

z2jh's hub runs jupyterhub_config.py from its chart (jupyterhub/files/hub/jupyterhub_config.py in
jupyterhub/zero-to-jupyterhub-k8s, read at commit 48ea50e3 and unchanged since the 4.4.0 release:
JupyterHub 5.5, KubeSpawner 7): values come from `z2jh.get_config`, the singleuser.* values become
KubeSpawner traits, the culler and hub.services become c.JupyterHub.services, hub.loadRoles
c.JupyterHub.load_roles, hub.config is passed through, and hub.extraConfig is exec'd last.
`load_like_z2jh` below does the same steps for the keys our values use (their code is not copied
into this repository).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
Z2JH = ROOT / "deploy" / "z2jh"
SITE = {  # what a bureau's IT fills in (deploy/z2jh/README.md)
    "hub": {"config": {"JupyterHub": {"authenticator_class": "ldapauthenticator.LDAPAuthenticator"}}},
    "singleuser": {"image": {"name": "registry.example.gov.cn/lawstudy/lawstudy", "tag": "2026.12"}},
}

kubespawner = pytest.importorskip("kubespawner", reason="test extra: jupyterhub-kubespawner")
sys.path.insert(0, str(Z2JH))

import people as k8s_people  # noqa: E402  (deploy/z2jh/people.py)


def merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, value in b.items():
        out[key] = merge(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


def camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


# singleuser.* keys z2jh turns into KubeSpawner traits (trait, values key; None: camelCase of the trait)
SINGLEUSER_TRAITS = [
    ("start_timeout", None),
    ("image_pull_policy", "image.pullPolicy"),
    ("uid", None),
    ("fs_gid", None),
    ("lifecycle_hooks", None),
    ("mem_limit", "memory.limit"),
    ("mem_guarantee", "memory.guarantee"),
    ("cpu_limit", "cpu.limit"),
    ("cpu_guarantee", "cpu.guarantee"),
    ("environment", "extraEnv"),
    ("profile_list", None),
]


def load_like_z2jh(values: dict, secrets: dict, people_file: Path, monkeypatch) -> tuple:
    """The traitlets Config z2jh's jupyterhub_config.py builds from `values` (chart Secret: `secrets`)."""
    from traitlets.config import Config

    def get_config(key, default=None):
        value = values
        for level in key.split("."):
            if not isinstance(value, dict) or level not in value:
                return default
            value = value[level]
        return value

    def set_config_if_not_none(parent, name, key):
        data = get_config(key)
        if data is not None:
            setattr(parent, name, data)

    c = Config()
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
    for trait, key in SINGLEUSER_TRAITS:
        set_config_if_not_none(c.KubeSpawner, trait, "singleuser." + (key or camel(trait)))
    image = get_config("singleuser.image.name")
    if image:
        c.KubeSpawner.image = f"{image}:{get_config('singleuser.image.tag')}"
    volumes, mounts = {}, {}
    if get_config("singleuser.storage.type") == "dynamic":
        c.KubeSpawner.storage_pvc_ensure = True
        set_config_if_not_none(c.KubeSpawner, "storage_class", "singleuser.storage.dynamic.storageClass")
        set_config_if_not_none(c.KubeSpawner, "storage_capacity", "singleuser.storage.capacity")
        volumes["volume-{user_server}"] = {
            "name": "volume-{user_server}",
            "persistentVolumeClaim": {"claimName": "{pvc_name}"},
        }
        mounts["volume-{user_server}"] = {
            "mountPath": get_config("singleuser.storage.homeMountPath"),
            "name": "volume-{user_server}",
        }
    for volume in get_config("singleuser.storage.extraVolumes", []) or []:
        volumes[volume["name"]] = volume
    for i, mount in enumerate(get_config("singleuser.storage.extraVolumeMounts", []) or []):
        mounts[f"{i}-{mount['name']}"] = mount
    c.KubeSpawner.volumes, c.KubeSpawner.volume_mounts = volumes, mounts
    c.JupyterHub.services, c.JupyterHub.load_roles = [], []
    if get_config("cull.enabled", False):
        role = {
            "name": "jupyterhub-idle-culler",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["jupyterhub-idle-culler"],
        }
        cmd = ["python3", "-m", "jupyterhub_idle_culler", "--url=http://localhost:8081/hub/api"]
        for option, key in (("timeout", "timeout"), ("cull-every", "every"), ("concurrency", "concurrency")):
            if get_config("cull." + key):
                cmd.append(f"--{option}={get_config('cull.' + key)}")
        if get_config("cull.users"):
            cmd.append("--cull-users")
            role["scopes"].append("admin:users")
        if not get_config("cull.adminUsers"):
            cmd.append("--cull-admin-users=false")
        c.JupyterHub.services.append({"name": "jupyterhub-idle-culler", "command": cmd})
        c.JupyterHub.load_roles.append(role)
    for key, service in (get_config("hub.services", {}) or {}).items():
        service = dict(service)
        service.setdefault("name", key)
        service.pop("apiToken", None)
        service["api_token"] = secrets[f"hub.services.{key}.apiToken"]
        c.JupyterHub.services.append(service)
    for key, role in (get_config("hub.loadRoles", {}) or {}).items():
        c.JupyterHub.load_roles.append({"name": key, **role})
    if get_config("singleuser.cmd") is not None:
        c.Spawner.cmd = get_config("singleuser.cmd")
    set_config_if_not_none(c.Spawner, "default_url", "singleuser.defaultUrl")
    set_config_if_not_none(c.JupyterHub, "concurrent_spawn_limit", "hub.concurrentSpawnLimit")
    for section, cfg in (get_config("hub.config", {}) or {}).items():
        assert section[:1].isupper(), f"hub.config.{section}: not a Configurable class"
        c[section].update(cfg)
    monkeypatch.setenv("LAWSTUDY_PEOPLE_FILE", str(people_file))
    namespace = {"c": c, "get_config": get_config, "__name__": "z2jh_jupyterhub_config"}
    for key, code in sorted((get_config("hub.extraConfig", {}) or {}).items()):
        exec(compile(code, f"hub.extraConfig.{key}", "exec"), namespace)
    return c, namespace


def chart_values(site: dict = SITE) -> dict:
    return merge(yaml.safe_load((Z2JH / "values.yaml").read_text(encoding="utf-8")), site)


@pytest.fixture
def instance(tmp_path):
    """An instance with a roster (three staff, one trainer, one admin) and its people.json.gz."""
    from grader import records
    from grader.hub.settings import save_roles
    from grader.instance import Instance

    inst = Instance(tmp_path / "home").ensure()
    roster = tmp_path / "名册.csv"
    roster.write_text(
        "工号,姓名,科室\nMZ001,张三,办公室\nMZ002,李四,社会救助科\nPX01,王老师,办公室\n", encoding="utf-8"
    )
    db = records.open_db(inst.home)
    records.import_roster(db, roster)
    db.close()
    save_roles(inst, ["PX01"], [])
    out = tmp_path / "people.json.gz"
    assert k8s_people.main(["--home", str(inst.home), "-o", str(out), "--admin", "BG01"]) == 0
    return inst, out


def grader_manifests() -> list[dict]:
    return [d for d in yaml.safe_load_all((Z2JH / "grader.yaml").read_text(encoding="utf-8")) if d]


class FakeUser(SimpleNamespace):
    pass


KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: unused}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
"""


@pytest.fixture(autouse=True)
def kubeconfig(tmp_path, monkeypatch):
    """KubeSpawner loads a cluster's credentials when it is made; this machine has no cluster, so a
    kubeconfig naming an address where nothing listens (no call is made: a pod manifest is built only)."""
    from kubernetes_asyncio.config import kube_config

    path = tmp_path / "kubeconfig"
    path.write_text(KUBECONFIG, encoding="utf-8")
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))


def spawn(c, name: str, groups: list[str], options: dict | None = None):
    """(the options form, the pod manifest) the real KubeSpawner makes for this person with config
    `c`; the exception instead of the manifest when it refuses. Nothing is sent to a cluster."""
    from kubespawner import KubeSpawner

    user = FakeUser(name=name, id=7, url=f"/user/{name}/", groups=[SimpleNamespace(name=g) for g in groups])
    user.escaped_name = name
    hub = SimpleNamespace(
        public_host="", url="http://hub:8081/hub/", base_url="/hub/", api_url="http://hub:8081/hub/api"
    )

    async def go():
        spawner = KubeSpawner(config=c, user=user, hub=hub, api_token="t", oauth_client_id="service-x", _mock=True)
        form = await spawner.get_options_form()
        spawner.user_options = options or {}
        await spawner.load_user_options()
        try:
            pod = await spawner.get_pod_manifest()
        except Exception as error:  # noqa: BLE001  (returned for the test to look at)
            return form, error
        from kubernetes_asyncio.client import ApiClient

        async with ApiClient() as api:
            return form, api.sanitize_for_serialization(pod)  # as sent to the cluster (camelCase)

    return asyncio.run(go())


def test_people_get_stable_uids_and_the_grader_pod_their_names(instance, tmp_path):
    inst, out = instance
    content = json.loads(gzip.decompress(out.read_bytes()))
    assert set(content["uids"]) == {"mz001", "mz002", "px01", "bg01"}
    assert content["groups"]["formgrade-lawstudy"] == ["px01"] and content["groups"]["lawstudy-admin"] == ["bg01"]
    before = content["uids"]
    assert len(set(before.values())) == 4 and min(before.values()) >= k8s_people.FIRST_UID
    passwd = (inst.home / "hub" / "k8s-passwd").read_text(encoding="utf-8")
    assert f"mz002:x:{before['mz002']}:100:" in passwd and passwd.startswith(Path("/etc/passwd").read_text()[:20])
    assert (inst.home / "hub" / "settings.json").exists() and inst.on_hub  # exams built for the service
    # a second roster: a newcomer gets a new uid, everyone else keeps theirs
    from grader import records

    roster = tmp_path / "名册2.csv"
    roster.write_text("工号,姓名,科室\nMZ003,赵六,办公室\n", encoding="utf-8")
    db = records.open_db(inst.home)
    records.import_roster(db, roster)
    db.close()
    after = k8s_people.write_people(inst.home, out)["uids"]
    assert {u: after[u] for u in before} == before
    assert after["mz003"] == max(before.values()) + 1


def test_the_chart_config_resolves_with_kubespawner(instance, monkeypatch):
    from jupyterhub.scopes import _check_scopes_exist
    from jupyterhub.services.service import Service
    from traitlets.utils.importstring import import_item

    inst, people_file = instance
    secrets = {f"hub.services.{k}.apiToken": f"token-{k}" for k in ("exam", "lawstudy", "reports")}
    c, ns = load_like_z2jh(chart_values(), secrets, people_file, monkeypatch)
    assert import_item(c.JupyterHub.spawner_class) is kubespawner.KubeSpawner
    # who may log in, groups as nbgrader's JupyterHub integration reads them
    assert c.Authenticator.allowed_users == {"mz001", "mz002", "px01", "bg01"}
    assert c.JupyterHub.load_groups["nbgrader-lawstudy"]["users"] == ["mz001", "mz002", "px01"]

    services = {s["name"]: s for s in c.JupyterHub.services}
    assert set(services) == {"exam", "lawstudy", "reports", "jupyterhub-idle-culler"}
    for s in services.values():  # only keys JupyterHub's Service knows
        assert set(s) <= set(Service.class_trait_names()) | {"api_token"}, s
    assert services["exam"]["api_token"] == "token-exam"
    exam_url = ns["LAWSTUDY_EXAM_URL"]
    assert exam_url == services["exam"]["url"] + "/services/exam/"

    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    for role in roles.values():
        _check_scopes_exist(role["scopes"])
        assert set(role.get("services", [])) <= set(services), role
        assert set(role.get("groups", [])) <= set(c.JupyterHub.load_groups), role
    assert "access:services!service=exam" in roles["server"]["scopes"]
    assert roles["jupyterhub-idle-culler"]["scopes"] == [
        "list:users",
        "read:users:activity",
        "read:servers",
        "delete:servers",
    ]
    # the culler accepts every option the values give it
    cmd = services["jupyterhub-idle-culler"]["command"]
    helped = subprocess.run([sys.executable, "-m", "jupyterhub_idle_culler", "--help"], capture_output=True, text=True)
    for arg in cmd[3:]:
        assert f"--{arg[2:].split('=')[0]}" in helped.stdout + helped.stderr, arg

    # a staff member: no form, their own uid, the exam service's address, the exchange and lessons
    uids = json.loads(gzip.decompress(people_file.read_bytes()))["uids"]
    form, pod = spawn(c, "mz001", ["nbgrader-lawstudy"])
    assert form == ""
    [container] = pod["spec"]["containers"]
    assert (
        container["securityContext"]["runAsUser"] == uids["mz001"] and container["securityContext"]["runAsGroup"] == 100
    )
    assert (
        pod["spec"]["securityContext"]["fsGroup"] == 100
        and not container["securityContext"]["allowPrivilegeEscalation"]
    )
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["LAWSTUDY_EXAM_SERVICE_URL"] == exam_url and env["JUPYTER_CONFIG_PATH"] == "/etc/lawstudy/staff"
    assert container["image"] == "registry.example.gov.cn/lawstudy/lawstudy:2026.12"
    assert container["args"][0] == "jupyterhub-singleuser"
    assert (
        container["resources"]["requests"]["memory"] == 256 * 2**20
        and container["resources"]["limits"]["memory"] == 2**30
    )
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts["/srv/lawstudy/exchange"]["subPath"] == "exchange" and not mounts["/srv/lawstudy/exchange"].get(
        "readOnly"
    )
    assert mounts["/srv/lawstudy/lessons"]["readOnly"] and "/home/lawstudy" in mounts
    post_start = container["lifecycle"]["postStart"]["exec"]["command"][-1]
    assert "grader.staff_lab start-page" in post_start and "copy-lessons" in post_start

    # a trainer: the form offers the trainers' tools (default) and the staff view
    form, pod = spawn(c, "px01", ["nbgrader-lawstudy", "formgrade-lawstudy"], {"profile": "trainer"})
    assert "培训人员" in form and "职工视图" in form
    env = {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}
    assert env["JUPYTER_CONFIG_PATH"] == "/etc/lawstudy/trainer:/etc/lawstudy/staff"
    assert env["LAWSTUDY_EXAM_SERVICE_URL"] == exam_url and env["LANG"] == "C.UTF-8"  # merged, not replaced
    assert pod["spec"]["containers"][0]["resources"]["limits"]["memory"] == 2 * 2**30
    assert pod["spec"]["containers"][0]["securityContext"]["runAsUser"] == uids["px01"]

    # nobody off the roster gets a pod
    _form, refused = spawn(c, "someone", ["nbgrader-lawstudy"])
    assert isinstance(refused, ValueError) and "no lawstudy uid" in str(refused)


def test_the_chart_default_login_is_refused(instance, monkeypatch):
    _inst, people_file = instance
    secrets = {f"hub.services.{k}.apiToken": "t" for k in ("exam", "lawstudy", "reports")}
    with pytest.raises(SystemExit, match="authenticator_class"):
        load_like_z2jh(chart_values(site={}), secrets, people_file, monkeypatch)


def test_the_grader_pod_serves_what_the_hub_routes_to():
    """The hub's services, the staff pods' exam address and the grader pod agree on names and ports."""
    docs = grader_manifests()
    [svc] = [d for d in docs if d["kind"] == "Service"]
    [deploy] = [d for d in docs if d["kind"] == "Deployment"]
    values = chart_values()
    ports = {p["name"]: p["port"] for p in svc["spec"]["ports"]}
    for name, port_name in (("exam", "exam"), ("lawstudy", "formgrader"), ("reports", "reports")):
        assert values["hub"]["services"][name]["url"] == f"http://{svc['metadata']['name']}:{ports[port_name]}"
    containers = {c["name"]: c for c in deploy["spec"]["template"]["spec"]["containers"]}
    for container in containers.values():
        env = {e["name"]: e for e in container["env"]}
        service = env["JUPYTERHUB_SERVICE_NAME"]["value"]
        assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == f"/services/{service}/"
        assert env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"] == {
            "name": "hub",
            "key": f"hub.services.{service}.apiToken",
        }
        assert container["command"][0] == "lawstudy-entrypoint" and "limited" in container["command"]
    assert deploy["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 900
    assert deploy["spec"]["template"]["metadata"]["labels"]["hub.jupyter.org/network-access-hub"] == "true"
    extra = values["hub"]["extraConfig"]["lawstudy.py"]
    assert f'"http://{svc["metadata"]["name"]}:{ports["exam"]}/services/exam/"' in extra
    # the init container makes the exchange as `lawstudy hub perms` does on one machine
    init = deploy["spec"]["template"]["spec"]["initContainers"][0]["command"][-1]
    assert "chmod 1777 shared/exchange" in init and "chmod 3733 inbound" in init and "chmod 711 feedback" in init


def test_the_image_config_is_what_hub_setup_writes(tmp_path):
    """deploy/z2jh/image_config.py (run by the Dockerfile) writes the staff, trainer and grader
    configs for the pods' instance /srv/lawstudy, as `lawstudy hub setup` does on one machine."""
    import image_config

    from grader.hub.config import STAFF_NO_BUILD, STAFF_PAGE_CONFIG

    etc, runtime = tmp_path / "etc", tmp_path / "venv"
    image_config.write_image_config(etc, runtime)
    staff = (etc / "staff" / "nbgrader_config.py").read_text(encoding="utf-8")
    assert "c.Exchange.root = '/srv/lawstudy/exchange'" in staff and "grader.exams.exchange.OwnSubmit" in staff
    assert json.loads((etc / "staff" / "labconfig" / "page_config.json").read_text()) == {
        **STAFF_PAGE_CONFIG,
        **STAFF_NO_BUILD,
    }
    grader = (etc / "grader" / "nbgrader_config.py").read_text(encoding="utf-8")
    assert "c.CourseDirectory.root = '/srv/lawstudy/course'" in grader and "OwnerCheckedCollect" in grader
    assert (etc / "trainer" / "labconfig" / "page_config.json").exists()
    assert str(tmp_path) not in "".join(p.read_text() for p in etc.rglob("*") if p.is_file())
    assert json.loads((runtime / "share/jupyter/lab/settings/overrides.json").read_text())[
        "@jupyterlab/translation-extension:plugin"
    ] == {"locale": "zh_CN"}
    dockerfile = (Z2JH / "Dockerfile").read_text(encoding="utf-8")
    assert "image_config.py /etc/lawstudy" in dockerfile and "lawstudy-entrypoint" in dockerfile
