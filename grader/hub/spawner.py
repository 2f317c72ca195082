"""StaffSpawner: LocalProcessSpawner with limits per server, ending a person's processes on stop.

The generated jupyterhub_config.py names it (grader.hub.StaffSpawner in configs of older
releases, which stays importable). Importing this module imports JupyterHub."""

from __future__ import annotations

import os

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer

from grader.hub.users import end_processes


class StaffSpawner(LocalProcessSpawner):
    """LocalProcessSpawner with limits per server, ending all of a person's processes on stop.

    Limits are set in the child before it becomes the user (setrlimit): RLIMIT_NPROC bounds the
    processes and threads of the person's account, RLIMIT_AS the memory of each process, and
    the server (and so its kernels) runs at a lower CPU priority (nice). See docs/deploy.md.
    """

    max_processes = Integer(256, config=True, help="RLIMIT_NPROC for the person's account")
    max_memory_mb = Integer(4096, config=True, help="RLIMIT_AS per process, MiB")
    nice = Integer(5, config=True, help="CPU priority increment of staff servers")

    def make_preexec_fn(self, name):
        become = super().make_preexec_fn(name)
        nproc, memory, nice = self.max_processes, self.max_memory_mb * 1024 * 1024, self.nice

        def preexec():
            import resource

            os.nice(nice)
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            become()

        return preexec

    async def stop(self, now=False):
        await super().stop(now=now)
        from tornado.ioloop import IOLoop

        await IOLoop.current().run_in_executor(None, end_processes, self.user.name)
