"""`lawstudy hub`: setup, users, start, stop, status, runtime, perms (grader.hub)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader.cli.base import fail, home_option
from grader.instance import Instance

# ------------------------------------------------------------------ hub


@click.group(invoke_without_command=True)
@home_option
@click.pass_context
def hub(ctx, home):
    """JupyterHub for the bureau: `lawstudy hub` alone starts it in the foreground (as root).

    Example: lawstudy hub --home /srv/lawstudy
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(hub_start, home=home, background=False)


def _hub_api():
    from grader import hub as hub_api

    return hub_api


@hub.command("setup")
@click.option(
    "--runtime",
    type=click.Path(file_okay=False, path_type=Path),
    help="员工运行环境 (staff venv), default /opt/lawstudy/venv",
)
@click.option("--trainer", "trainers", multiple=True, help="培训师工号 (formgrader access); repeatable")
@click.option("--admin", "admins", multiple=True, help="管理员工号 (reports access); repeatable")
@click.option("--ip", default="127.0.0.1", show_default=True, help="对外监听地址 (0.0.0.0 for the LAN)")
@click.option("--port", default=8000, show_default=True, type=int, help="对外监听端口 (hub port)")
@click.option("--no-runtime", is_flag=True, help="不建立/更新运行环境 (skip the runtime venv)")
@home_option
def hub_setup(runtime, trainers, admins, ip, port, no_runtime, home):
    """Set up the hub (root): staff runtime, jupyterhub_config.py, system users from the roster, permissions.

    Example: lawstudy hub setup --home /srv/lawstudy --trainer PX01 --admin BG01
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    try:
        settings = hub_api.setup(
            inst,
            runtime=runtime,
            trainers=list(trainers),
            admins=list(admins),
            ip=ip,
            port=port,
            build_runtime=not no_runtime,
            log=click.echo,
        )
    except hub_api.HubError as error:
        fail(str(error))
    folks = hub_api.people(inst)
    click.echo(f"配置：{hub_api.hub_dir(inst) / 'jupyterhub_config.py'}")
    click.echo(f"人员：职工 {len(folks.staff)}，培训师 {len(folks.trainers)}，管理员 {len(folks.admins)}")
    click.echo(f"初始密码：{hub_api.hub_dir(inst) / 'initial-passwords.csv'}（仅 root 可读）")
    click.secho(f"完成。启动：lawstudy hub start --home {inst.home}  →  {settings.url}", fg="green")


@hub.command("users")
@click.option("--reset-passwords", is_flag=True, help="给所有人重新生成初始密码")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 列出登录名、姓名、组及本次新建的账号 (print as JSON)")
@home_option
def hub_users(reset_passwords, as_json, home):
    """Create system users for new roster people and trainers/admins; list everyone with their groups.

    Example: lawstudy hub users --home /srv/lawstudy
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    try:
        result = hub_api.sync_users(inst, reset_passwords=reset_passwords)
        hub_api.apply_permissions(inst)
    except hub_api.HubError as error:
        fail(str(error))
    folks = hub_api.people(inst)
    rows = [
        {
            "user": u,
            "name": folks.names.get(u, ""),
            "groups": [g for g, members in folks.groups().items() if u in members],
        }
        for u in folks.everyone
    ]
    if as_json:
        click.echo(json.dumps({"users": rows, "created": result["created"]}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['user']:<16}{row['name']:<10}{' '.join(row['groups'])}")
    click.echo(
        f"共 {len(rows)} 人；新建 {len(result['created'])} 个系统用户"
        + (f"，新密码见 {hub_api.hub_dir(inst) / 'initial-passwords.csv'}" if result["passwords"] else "")
    )
    click.echo("（hub 运行中时，新用户和分组在重启 hub 后生效：lawstudy hub stop && lawstudy hub start --background）")


@hub.command("start")
@click.option("--background", is_flag=True, help="在后台运行并返回 (default: foreground, for systemd)")
@home_option
def hub_start(background, home):
    """Start JupyterHub (root) with the instance's generated config.

    In the foreground the hub is this command's child: Ctrl-C, SIGTERM or SIGHUP stop it like
    `hub stop` (the hub, its proxy and services, and every person's processes).

    Example: lawstudy hub start --background --home /srv/lawstudy
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    try:
        settings = hub_api.Settings.load(inst)
        hub_api.write_people(inst)
        hub_api.apply_permissions(inst)
        if background:
            proc = hub_api.start(inst)
            click.secho(f"JupyterHub 已启动（pid {proc.pid}）：{settings.url}", fg="green")
            return
        click.echo(f"JupyterHub 启动中：{settings.url}（Ctrl-C 停止）")
        code = hub_api.run_foreground(
            inst, on_ready=lambda: click.secho(f"JupyterHub 已就绪：{settings.url}（Ctrl-C 停止）", fg="green")
        )
    except hub_api.HubError as error:
        fail(str(error))
    click.echo("JupyterHub 已停止")
    sys.exit(code)


@hub.command("stop")
@home_option
def hub_stop(home):
    """Stop the running hub (and the servers, services and proxy it started).

    Example: lawstudy hub stop --home /srv/lawstudy
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    click.echo("已停止" if hub_api.stop(inst) else "hub 没有在运行")


@hub.command("status")
@home_option
def hub_status(home):
    """Show whether the hub runs, and whose servers are up.

    Example: lawstudy hub status --home /srv/lawstudy
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    try:
        settings = hub_api.Settings.load(inst)
        users = hub_api.all_users(inst)
    except hub_api.HubError as error:
        fail(str(error))
    except OSError:
        fail(f"hub 没有在运行（{settings.url}）")
    running = [u["name"] for u in users if u.get("servers")]
    click.echo(f"JupyterHub 运行中：{settings.url}；用户 {len(users)}，在线服务器 {len(running)}")
    for name in running:
        click.echo(f"  {name}")


@hub.command("runtime")
@click.option(
    "--runtime",
    type=click.Path(file_okay=False, path_type=Path),
    help="员工运行环境位置 (default /opt/lawstudy/venv or $LAWSTUDY_RUNTIME)",
)
def hub_runtime(runtime):
    """Build or refresh the staff runtime venv (from /usr/bin/python3, non-editable install of this project).

    Example: lawstudy hub runtime --runtime /opt/lawstudy/venv
    """
    hub_api = _hub_api()
    try:
        path = hub_api.ensure_runtime(runtime or hub_api.DEFAULT_RUNTIME, log=click.echo)
    except hub_api.HubError as error:
        fail(str(error))
    click.echo(f"运行环境就绪：{path}")


@hub.command("perms")
@home_option
def hub_perms(home):
    """Re-apply file ownership and modes (run after root `lawstudy exam ...` commands).

    Example: lawstudy hub perms --home /srv/lawstudy
    """
    hub_api = _hub_api()
    inst = Instance.from_env(home)
    try:
        hub_api.apply_permissions(inst)
    except hub_api.HubError as error:
        fail(str(error))
    click.echo("权限已设置")
