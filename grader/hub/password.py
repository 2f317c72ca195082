"""The password page /hub/lawstudy/password: the signed-in person changes their own PAM password.

`PasswordHandler` is a JupyterHub handler (the generated jupyterhub_config.py adds it to
`JupyterHub.extra_handlers`); its page is templates/password.html.j2, autoescaped. Importing this
module imports JupyterHub.
"""

from __future__ import annotations

from pathlib import Path

from jupyterhub.handlers import BaseHandler
from markupsafe import Markup
from tornado import web

from grader import pages
from grader.hub.users import password_problem

TEMPLATES = Path(__file__).resolve().parent / "templates"
COLORS = ("black", "red", "green")


def password_page(message: str, color: str, xsrf: str, home: str) -> str:
    """The page: `message` in `color` (one of COLORS), the form with `xsrf` (tornado's hidden
    input, markup), a link back to `home`. Everything else is escaped."""
    if color not in COLORS:
        raise ValueError(f"color {color!r}")
    return pages.render(TEMPLATES, "password.html.j2", message=message, color=color, xsrf=Markup(xsrf), home=home)


class PasswordHandler(BaseHandler):
    """/hub/lawstudy/password: a logged-in person changes their own system (PAM) password."""

    def _page(self, message: str = "", color: str = "black") -> None:
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.write(password_page(message, color, self.xsrf_form_html(), self.hub.base_url + "home"))

    @web.authenticated
    def get(self):
        self._page("首次登录请把初始密码改为只有自己知道的密码。")

    @web.authenticated
    async def post(self):
        import pamela
        from tornado.ioloop import IOLoop

        user = self.current_user.name  # only ever the signed-in person's own account
        old, new, again = (self.get_body_argument(k, "") for k in ("old", "new", "again"))
        problem = password_problem(new)
        if problem or new != again:
            return self._page(problem or "两次输入的新密码不一致。", "red")
        try:
            await IOLoop.current().run_in_executor(None, lambda: pamela.authenticate(user, old, service="login"))
        except pamela.PAMError:
            return self._page("原密码不正确。", "red")
        try:  # PAM's own password change for this one user: no batch text, no second account
            await IOLoop.current().run_in_executor(None, lambda: pamela.change_password(user, new, service="passwd"))
        except pamela.PAMError as error:
            self.log.warning("password change for %s failed: %s", user, error)
            return self._page("修改失败，请联系管理员。", "red")
        self._page("密码已修改。", "green")
