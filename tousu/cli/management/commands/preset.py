"""``tousu preset …``: the preset in force as a file, what differs from the shipped one, switching
to another preset, checking a preset folder, and the documentation pages (SPEC §12).

  tousu preset export [--out FILE]      the preset in force (as revised here) as a preset.yaml
  tousu preset diff                     what differs from the shipped preset of the same name
  tousu preset switch NAME [--dry-run]  put another shipped preset in force
  tousu preset check FOLDER             validate a preset folder (preset.yaml, demo.yaml)
  tousu preset docs [--out DIR]         write docs/presets/*.md from the presets' data
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from tousu.complaints.models import Complaint
from tousu.complaints.preset import active, check, store, stored
from tousu.complaints.states import OPEN, Status
from tousu.presets import BROKEN, REGISTRY
from tousu.presets.base import DEMO_FILE, PresetError, differences, load_folder, to_yaml
from tousu.presets.docs import index, markdown


class Command(BaseCommand):
    help = "The preset in force: export, diff, switch, check a folder, write the documentation."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        export = sub.add_parser("export", help="the preset in force as a preset.yaml")
        export.add_argument("--out", help="a file to write (default: standard output)")
        sub.add_parser("diff", help="what differs from the shipped preset of the same name")
        switch = sub.add_parser("switch", help="put another shipped preset in force")
        switch.add_argument("name", help=f"one of: {', '.join(REGISTRY)}")
        switch.add_argument("--dry-run", action="store_true", help="say what would happen, change nothing")
        checking = sub.add_parser("check", help="validate a preset folder")
        checking.add_argument("folder")
        docs = sub.add_parser("docs", help="write docs/presets/*.md")
        docs.add_argument("--out", default="docs/presets", help="the folder (default: docs/presets)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['what']}")(options)
        except PresetError as err:
            raise CommandError(str(err)) from None

    def _export(self, options: dict[str, Any]) -> None:
        text = to_yaml(stored() or active())
        if options["out"]:
            Path(options["out"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"written: {options['out']}")
        else:
            self.stdout.write(text, ending="")

    def _diff(self, options: dict[str, Any]) -> None:
        current = stored() or active()
        shipped = REGISTRY.get(current.name)
        if shipped is None:
            raise CommandError(f"no shipped preset is named {current.name!r}")
        found = differences(shipped, current)
        if not found:
            self.stdout.write(f"preset {current.name}: as shipped")
            return
        self.stdout.write(f"preset {current.name}: {len(found)} differences from the shipped file (shipped → here)")
        for path, before, after in found:
            self.stdout.write(f"  {path}: {_short(before)} → {_short(after)}")

    def _switch(self, options: dict[str, Any]) -> None:
        if options["name"] in BROKEN:
            raise CommandError(str(BROKEN[options["name"]]))
        target = REGISTRY.get(options["name"])
        if target is None:
            raise CommandError(f"unknown preset {options['name']!r}; choose from: {', '.join(REGISTRY)}")
        current = stored() or active()
        check(target)
        open_ = Complaint.objects.filter(status__in=OPEN)
        by_status = Counter(open_.values_list("status", flat=True))
        categories = {c.code for c, _ in target.walk_categories()}
        grades = {g.code for g in target.grades}
        foreign = open_.filter(
            Q(category__isnull=False) & ~Q(category__code__in=categories)
            | Q(grade__isnull=False) & ~Q(grade__code__in=grades)
        ).count()
        self.stdout.write(f"in force: {current.name} ({current.title}); switching to: {target.name} ({target.title})")
        self.stdout.write(f"open complaints: {sum(by_status.values())}")
        for status, n in sorted(by_status.items()):
            self.stdout.write(f"  {Status(status).label}: {n}")
        self.stdout.write(
            f"  {foreign} of them have a category or grade that {target.name} does not have: they keep it, "
            "and it is no longer offered for new complaints"
        )
        self.stdout.write(
            "due dates already set stay as they are; the next action on each complaint (dispatch, "
            f"extension, reply…) sets its dues by the rules of {target.name}; the categories, grades and "
            f"reason codes of {target.name} are added beside those of {current.name}"
        )
        if options["dry_run"]:
            self.stdout.write("dry run: nothing changed")
            return
        revision = store(target, by="tousu preset switch")
        self.stdout.write(f"preset {target.name} in force, revision {revision}")

    def _check(self, options: dict[str, Any]) -> None:
        from tousu.complaints.preset import problems
        from tousu.presets.demo import load_demo

        folder = Path(options["folder"]).resolve()
        preset = load_folder(folder)
        found = problems(preset)
        if found:
            raise PresetError(preset.name, str(folder / "preset.yaml"), found)
        demo = load_demo(folder, preset) if (folder / DEMO_FILE).exists() else None
        self.stdout.write(
            f"preset {preset.name} ({preset.title}): valid"
            + (f"; demo: {len(demo.units)} units, {len(demo.users)} users, {len(demo.samples)} samples" if demo else "")
        )

    def _docs(self, options: dict[str, Any]) -> None:
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        for preset in REGISTRY.values():
            (out / f"{preset.name}.md").write_text(markdown(preset), encoding="utf-8")
        (out / "README.md").write_text(index(list(REGISTRY.values())), encoding="utf-8")
        self.stdout.write(f"written: {len(REGISTRY)} presets to {out}/")


def _short(value: Any) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= 80 else text[:77] + "…"
