"""``tousu serve``: serve the app with gunicorn on 127.0.0.1 (static files through WhiteNoise)."""
from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve tousu over HTTP (gunicorn, sync workers)."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, **options):  # noqa: ANN001, ANN201
        from django.conf import settings
        from gunicorn.app.base import BaseApplication

        from tousu.complaints.jobs import start_in_process

        from tousu.wsgi import application

        class App(BaseApplication):
            def load_config(self) -> None:
                self.cfg.set("bind", f"{options['host']}:{options['port']}")
                self.cfg.set("workers", options["workers"])
                self.cfg.set("timeout", 120)
                self.cfg.set("accesslog", "-")

                # The deadline scan and the audit anchoring run in the master process, once,
                # whatever the worker count — unless Redis-backed `tousu worker` processes run them.
                if not settings.TOUSU_REDIS_URL:
                    self.cfg.set("when_ready", lambda server: start_in_process(
                        settings.TOUSU_SCAN_INTERVAL_SECONDS, settings.TOUSU_ANCHOR_INTERVAL_SECONDS))

            def load(self):  # noqa: ANN202
                return application

        self.stdout.write(f"tousu on http://{options['host']}:{options['port']}/  (Ctrl-C stops)")
        App().run()
