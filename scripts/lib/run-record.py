#!/usr/bin/env python3
"""The run record and the metrics file of one scripts/backup run.

The record, BACKUP_DIR/runs/NAME.STAMP.json, is written to a temporary
file, synced and renamed into place; runs/NAME.latest.json links to it.
Records older than the oldest complete run left in BACKUP_DIR are removed,
and beyond the newest 10 x BACKUP_KEEP (a database that fails every night).
The metrics file, BACKUP_METRICS_DIR/scrub_backup_NAME.prom (mode 0644, for
node_exporter), is replaced the same way, through a temporary file in the
same folder whose name node_exporter skips (it reads *.prom only). A failed
run carries over the last success time and the artifact sizes of the last
published run, from the previous metrics file or the newest records.

scripts/backup (write_run_record) hands the facts of the run on standard input as
NUL-separated KEY=VALUE items, so that no value is pasted into JSON or into this
program and none reaches a command line.
"""

import json, os, re, socket, sys, tempfile, time

one, many = {}, {}
for item in sys.stdin.buffer.read().split(b"\0"):
    if item:
        key, _, value = item.decode("utf-8", "replace").partition("=")
        one[key] = value
        many.setdefault(key, []).append(value)

name, folder, stamp = one["name"], one["dir"], one["stamp"]
rc = int(one["exit_code"])
started, ended = int(one["started_us"]) / 1e6, int(one["ended_us"]) / 1e6
runs = os.path.join(folder, "runs")
stamp_re = r"[0-9]{8}T[0-9]{6}Z"
failures = []

def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

def write_atomic(path, text, mode):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

stages = {}
for item in many.get("stage", []):
    step, _, us = item.rpartition(":")
    stages[step] = round(int(us) / 1e6, 3)
artifacts = {}
for item in many.get("artifact", []):
    kind, _, path = item.partition(":")
    artifacts[kind] = {"file": os.path.basename(path), "bytes": os.stat(path).st_size}

record = {
    "format": 1,
    "name": name,
    "database": one["database"],
    "host": socket.gethostname(),
    "stamp": stamp,
    "started_at": iso(started),
    "ended_at": iso(ended),
    "started_unix": round(started, 3),
    "ended_unix": round(ended, 3),
    "duration_seconds": round(ended - started, 3),
    "exit_code": rc,
    "success": rc == 0,
    "error": one.get("error") or None,
    "failed_stage": one.get("failed_stage") or None,
    "stages": stages,
    "artifacts": artifacts,
    "upload": {
        "status": one["upload_status"],
        "reason": one.get("upload_reason") or None,
        "s3_uri": one.get("s3_uri") or None,
        "uploaded": many.get("uploaded", []),
        "unchanged": many.get("unchanged", []),
    },
}

def records():
    """The stamps of this NAME's records, oldest first."""
    try:
        names = os.listdir(runs)
    except FileNotFoundError:
        return []
    found = []
    for f in names:
        m = re.fullmatch(re.escape(name) + r"\.(" + stamp_re + r")\.json", f)
        if m and not os.path.islink(os.path.join(runs, f)):
            found.append(m.group(1))
    return sorted(found)

def newest_success():
    """The newest record of a successful run other than this one, or {}."""
    for s in reversed(records()):
        if s == stamp:
            continue
        try:
            with open(os.path.join(runs, f"{name}.{s}.json"), encoding="utf-8") as f:
                r = json.load(f)
        except (OSError, ValueError):
            continue
        if r.get("exit_code") == 0:
            return r
    return {}

try:
    os.makedirs(runs, exist_ok=True)
    path = os.path.join(runs, f"{name}.{stamp}.json")
    write_atomic(path, json.dumps(record, indent=2) + "\n", 0o600)
    link = os.path.join(runs, f"{name}.latest.json")
    tmp = link + f".{os.getpid()}.tmp"
    os.symlink(os.path.basename(path), tmp)
    os.replace(tmp, link)
    complete = sorted(
        m.group(1) for f in os.listdir(folder)
        if (m := re.fullmatch(re.escape(name) + r"\.(" + stamp_re + r")\.sha256", f))
        and not os.path.islink(os.path.join(folder, f)))
    kept = records()[-10 * int(one["keep"]):]
    for s in records():
        if s != stamp and (s not in kept or (complete and s < complete[0])):
            os.unlink(os.path.join(runs, f"{name}.{s}.json"))
except (OSError, ValueError) as e:
    failures.append(f"run record in {runs}: {e}")

metrics_dir = one.get("metrics_dir")
if metrics_dir:
    prom = os.path.join(metrics_dir, f"scrub_backup_{name}.prom")
    try:
        last_success, sizes = 0.0, {}
        try:
            with open(prom, encoding="utf-8") as f:
                for line in f:
                    m = re.match(r"(scrub_backup_[a-z_]+)(\{[^}]*\})?\s+(\S+)", line)
                    if not m:
                        continue
                    if m.group(1) == "scrub_backup_last_success_timestamp_seconds":
                        last_success = float(m.group(3))
                    a = re.search(r'artifact="([^"]*)"', m.group(2) or "")
                    if m.group(1) == "scrub_backup_bytes" and a:
                        sizes[a.group(1)] = int(float(m.group(3)))
        except FileNotFoundError:
            pass
        previous = newest_success()
        if rc == 0:
            last_success = ended
        else:
            last_success = max(last_success, float(previous.get("ended_unix", 0)))
        if artifacts:
            sizes = {}
        source = artifacts or ({} if sizes else previous.get("artifacts", {}))
        for kind, a in source.items():
            if kind != "sha256":
                sizes[kind.replace("anon.gz", "anon")] = a["bytes"]

        def esc(v):
            return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
        labels = f'name="{esc(name)}",database="{esc(one["database"])}"'
        out = []
        def metric(metric_name, help_text, samples):
            out.append(f"# HELP {metric_name} {help_text}")
            out.append(f"# TYPE {metric_name} gauge")
            for extra, value in samples:
                out.append(f"{metric_name}{{{labels}{extra}}} {value}")
        metric("scrub_backup_last_success_timestamp_seconds",
               "Unix time the last successful scrub backup run ended (0: none yet).",
               [("", f"{last_success:.3f}")])
        metric("scrub_backup_last_run_timestamp_seconds",
               "Unix time the last scrub backup run ended, successful or not.", [("", f"{ended:.3f}")])
        metric("scrub_backup_duration_seconds", "Duration of the last scrub backup run.",
               [("", f"{ended - started:.3f}")])
        metric("scrub_backup_stage_duration_seconds", "Duration of each stage of the last scrub backup run.",
               [(f',stage="{esc(s)}"', f"{t:.3f}") for s, t in stages.items()])
        metric("scrub_backup_bytes", "Size of each artifact of the last published scrub backup run.",
               [(f',artifact="{esc(k)}"', v) for k, v in sorted(sizes.items())])
        metric("scrub_backup_exit_code", "Exit code of the last scrub backup run (0: success).", [("", rc)])
        write_atomic(prom, "\n".join(out) + "\n", 0o644)
    except (OSError, ValueError) as e:
        failures.append(f"metrics file {prom}: {e}")

for f in failures:
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} backup: warning: {f}", file=sys.stderr)
sys.exit(1 if failures else 0)
