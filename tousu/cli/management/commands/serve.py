"""``tousu serve``: serve the app with gunicorn on 127.0.0.1 (static files through WhiteNoise)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandParser

if TYPE_CHECKING:
    from django.core.handlers.wsgi import WSGIHandler


class Command(BaseCommand):
    help = (
        "Serve tousu over HTTP (gunicorn, sync workers); without TOUSU_REDIS_URL, one worker runs the jobs and tasks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings
        from django.db import connections
        from gunicorn.app.base import BaseApplication

        from tousu.complaints.jobs import start_in_worker
        from tousu.wsgi import application

        class App(BaseApplication):
            def load_config(self) -> None:
                self.cfg.set("bind", f"{options['host']}:{options['port']}")
                self.cfg.set("workers", options["workers"])
                self.cfg.set("timeout", 120)
                self.cfg.set("accesslog", "-")
                # gunicorn's default line, then the request's id (tousu.core.middleware.RequestIdMiddleware).
                self.cfg.set(
                    "access_log_format",
                    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s',
                )
                # gunicorn ≥ 25 would start a control-socket thread in the master, on one path in
                # $HOME shared by every instance; tousu is managed through its process supervisor.
                if "control_socket_disable" in self.cfg.settings:
                    self.cfg.set("control_socket_disable", True)

                # The task queue's consumer and the periodic jobs' scheduler run in one worker at
                # a time (a file lock in DATA_DIR picks it), never in the master: a thread started
                # there before the fork would not exist in the workers, and the master must stay a
                # supervisor only. With Redis, `tousu worker` processes run them and serve runs none.
                if not settings.TOUSU_REDIS_URL:
                    self.cfg.set("post_worker_init", lambda worker: start_in_worker(settings.DATA_DIR / "jobs.lock"))

            def load(self) -> WSGIHandler:
                return application

        # The system checks may have opened one: a connection must not be shared across the fork.
        connections.close_all()
        self.stdout.write(f"tousu on http://{options['host']}:{options['port']}/  (Ctrl-C stops)")
        App().run()
