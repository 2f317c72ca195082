"""The password page /hub/lawstudy/password: the signed-in person changes their own PAM password."""

from __future__ import annotations

import functools

from grader.hub.users import password_problem


@functools.cache
def _password_handler():
    from jupyterhub.handlers import BaseHandler
    from tornado import web

    page = """<!doctype html><meta charset="utf-8"><title>修改密码</title>
<body style="font-family:sans-serif;max-width:420px;margin:60px auto">
<h2>修改登录密码</h2><p style="color:{color}">{message}</p>
<form method="post">{xsrf}
<p><label>原密码<br><input type="password" name="old" required></label></p>
<p><label>新密码（至少 8 位）<br><input type="password" name="new" required minlength="8"></label></p>
<p><label>再输入一次新密码<br><input type="password" name="again" required minlength="8"></label></p>
<p><button type="submit">修改</button> <a href="{home}">返回</a></p></form></body>"""

    class PasswordHandler(BaseHandler):
        """/hub/lawstudy/password: a logged-in person changes their own system (PAM) password."""

        def _page(self, message="", color="black"):
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.write(
                page.format(message=message, color=color, xsrf=self.xsrf_form_html(), home=self.hub.base_url + "home")
            )

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
                await IOLoop.current().run_in_executor(
                    None, lambda: pamela.change_password(user, new, service="passwd")
                )
            except pamela.PAMError as error:
                self.log.warning("password change for %s failed: %s", user, error)
                return self._page("修改失败，请联系管理员。", "red")
            self._page("密码已修改。", "green")

    return PasswordHandler
