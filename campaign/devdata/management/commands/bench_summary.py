"""The last `make bench` run from bench/results.json, figure by figure: its reference,
ratio and target, and how it moved since the run before. `make bench` ends with it."""

from django.core.management.base import BaseCommand, CommandError

from campaign.devdata.benchmarks import number, results_load, results_path


class Command(BaseCommand):
    help = "Summarize the last make bench run (bench/results.json) against the run before it."

    def handle(self, *args, **options):
        runs = results_load()
        if not runs:
            raise CommandError(f"No runs in {results_path()}: run make bench first.")
        run, before = runs[-1], (runs[-2] if len(runs) > 1 else None)
        earlier = {(figure["group"], figure["name"]): figure for figure in (before or {"figures": []})["figures"]}
        write = self.stdout.write
        write(f"== summary of run {run['id']} (commit {run['commit'] or '?'}, {run['machine']})")
        if before:
            write(f"   compared with run {before['id']} (commit {before['commit'] or '?'})")
        group = None
        met = missed = 0
        for figure in run["figures"]:
            if figure["group"] != group:
                group = figure["group"]
                write(f"-- {group}")
            line = f"   {figure['name']}: {number(figure['value'])} {figure['unit']}"
            if figure["reference"] is not None:
                line += f" | {figure['reference_name']} {number(figure['reference'])} | {figure['ratio']:.2f}x"
            if figure["target"]:
                line += f" | {figure['target']}: {'met' if figure['met'] else 'MISSED'}"
                met, missed = met + bool(figure["met"]), missed + (not figure["met"])
            old = earlier.get((figure["group"], figure["name"]))
            if old and old["value"]:
                line += f" | was {number(old['value'])} ({(figure['value'] / old['value'] - 1) * 100:+.0f}%)"
            write(line)
        write(f"== targets: {met} met, {missed} missed")
