"""Who may log in, their groups and each person's uid, for a lawstudy hub on Kubernetes.

Run in the grader pod after every roster import (it reads records.db and hub/roles.json):

    python /opt/lawstudy/k8s/people.py --home /srv/lawstudy -o /tmp/people.json.gz [--trainer PX01] [--admin BG01]
    kubectl -n lawstudy create configmap lawstudy-people --from-file=people.json.gz=people.json.gz \\
        --dry-run=client -o yaml | kubectl apply -f -
    kubectl -n lawstudy rollout restart deployment/hub

On one machine `lawstudy hub users` gives every person a system account. Here each person's pods
run as a uid of their own (hub.extraConfig in values.yaml reads this file), so that in the shared
nbgrader exchange a file's owner still says who submitted and nobody can rename, remove or write
into another's entry (inbound 3733, received entries 0755). Uids are handed out once and kept in
$LAWSTUDY_HOME/hub/k8s-uids.json: a person keeps their uid (and so their files) whatever the
roster does later; a person who leaves keeps theirs too, never given to anyone else.

Writes:
  -o FILE            people.json.gz for the hub's ConfigMap: {"uids": {user: uid}, "groups": {group: [user]}}
                     (gzip: a province's 50,000 names stay far below a ConfigMap's 1 MiB)
  hub/k8s-uids.json  the uid map (the grader's alone)
  hub/k8s-passwd     the image's /etc/passwd plus one line per person: the grader pod's names for
                     the uids it finds in the exchange (deploy/z2jh/entrypoint.sh, nss_wrapper)
  hub/settings.json  when missing: marks the instance a hub's, so exams are built for the exam
                     service (questions only inside each sitting) as on one machine
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from pathlib import Path

FIRST_UID = 100001  # far above system accounts and the grader (900)
STAFF_GID = 100


def assign_uids(users: list[str], known: dict[str, int]) -> dict[str, int]:
    """`known` plus a new uid for each user without one (next after the highest ever given)."""
    uids = dict(known)
    following = max([FIRST_UID - 1, *uids.values()]) + 1
    for user in sorted(users):
        if user not in uids:
            uids[user] = following
            following += 1
    return uids


def _write(path: Path, data: bytes) -> None:
    """Write atomically (a reader never sees half a file), mode 600."""
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def write_people(
    home: Path,
    output: Path,
    base_passwd: Path = Path("/etc/passwd"),
    trainers: tuple[str, ...] = (),
    admins: tuple[str, ...] = (),
) -> dict:
    """Update the uid map for the roster of the instance at `home` and write the three files;
    `trainers` and `admins` (工号) are added to hub/roles.json first, as `hub setup --trainer` does.

    Returns the content of people.json.gz. Raises grader.hub.HubError when the instance has no
    roster, ValueError for a user name that could not be a passwd line."""
    from grader.hub.settings import HubError, Settings, hub_dir, load_roles, people, save_roles
    from grader.instance import Instance

    inst = Instance(Path(home))
    if trainers or admins:
        roles = load_roles(inst)
        save_roles(inst, [*roles["trainers"], *trainers], [*roles["admins"], *admins])
    folks = people(inst)
    if not folks.everyone:
        raise HubError(f"{inst.records} 中没有名册：先运行 lawstudy roster import")
    for user in folks.everyone:
        if not user or any(ch in user for ch in ":\n\r\t ") or user.startswith(("+", "-")):
            raise ValueError(f"user name {user!r} cannot be a passwd entry")
    hub = hub_dir(inst)
    hub.mkdir(parents=True, exist_ok=True)
    uids_path = hub / "k8s-uids.json"
    known = json.loads(uids_path.read_text(encoding="utf-8")) if uids_path.exists() else {}
    uids = assign_uids(folks.everyone, known)
    _write(uids_path, json.dumps(uids, indent=1, sort_keys=True).encode("utf-8"))
    lines = [f"{user}:x:{uid}:{STAFF_GID}::/nonexistent:/usr/sbin/nologin" for user, uid in sorted(uids.items())]
    system = base_passwd.read_text(encoding="utf-8") if base_passwd.exists() else ""
    _write(hub / "k8s-passwd", (system.rstrip("\n") + "\n" + "\n".join(lines) + "\n").encode("utf-8"))
    if not (hub / "settings.json").exists():
        Settings(home=str(inst.home), runtime=sys.prefix).save(inst)
    content = {"uids": {user: uids[user] for user in folks.everyone}, "groups": folks.groups()}
    _write(Path(output), gzip.compress(json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")))
    return content


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="people.json.gz (ConfigMap lawstudy-people) and the uid map")
    parser.add_argument("--home", default=os.environ.get("LAWSTUDY_HOME"), help="the instance (default $LAWSTUDY_HOME)")
    parser.add_argument("-o", "--output", required=True, type=Path, help="where to write people.json.gz")
    parser.add_argument("--trainer", action="append", default=[], help="工号 of a trainer (group formgrade-lawstudy)")
    parser.add_argument("--admin", action="append", default=[], help="工号 of an admin (group lawstudy-admin)")
    args = parser.parse_args(argv)
    if not args.home:
        parser.error("--home or LAWSTUDY_HOME is needed")
    from grader.hub.settings import HubError

    try:
        content = write_people(Path(args.home), args.output, trainers=tuple(args.trainer), admins=tuple(args.admin))
    except (HubError, ValueError, OSError) as error:
        print(f"错误：{error}", file=sys.stderr)
        return 1
    groups = ", ".join(f"{g} {len(u)}" for g, u in content["groups"].items())
    print(f"{args.output}: {len(content['uids'])} 人（{groups}）")
    print(
        "下一步：kubectl create configmap lawstudy-people --from-file=people.json.gz=… --dry-run=client -o yaml | kubectl apply -f -"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
