#!/usr/bin/env python3
"""Entry point of the gpu-burst training image.

Runs the training command given as arguments after preparing a trial:

1. reads the trial's parameters from the environment (BURST_TRIAL_PARAMS, or element
   BURST_TRIAL_INDEX / AWS_BATCH_JOB_ARRAY_INDEX / BATCH_TASK_INDEX of the JSON list in
   BURST_PARAMS_FILE, a local path or an s3:// or gs:// URL) and passes them on as BURST_PARAMS
   (JSON) and BURST_PARAM_<NAME>;
2. downloads the latest checkpoint under BURST_CHECKPOINT_PREFIX (s3://, gs:// or file://; a
   `{trial}` in it becomes the trial index) into BURST_LOCAL_CHECKPOINT_DIR and passes its path
   as BURST_RESUME_FROM (empty on a first start);
3. starts the command, uploads new checkpoint files every BURST_SYNC_SECONDS, forwards SIGTERM
   (a spot reclaim) to it, uploads once more when it exits and touches BURST_SYNC_DONE_FILE after
   every completed upload, which is what the on-host agent waits for after a preemption notice.

A retried trial therefore resumes from its own last checkpoint. Checkpoints are the entries
(files or directories) directly under the local directory; the latest is the one with the highest
number in its name (step-1200 > step-900), ties broken by name.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

INDEX_VARIABLES = ("BURST_TRIAL_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX", "BATCH_TASK_INDEX")


def log(event, **fields):
    print(json.dumps(dict(ts=round(time.time(), 3), event=event, **fields)), flush=True)


class Store:
    """A checkpoint prefix in object storage: list, download and upload relative keys."""

    def __init__(self, url):
        match = re.match(r"^(s3|gs|file)://([^/]*)/(.*)$", url)
        if not match or not url.endswith("/"):
            raise SystemExit("burst_entry: BURST_CHECKPOINT_PREFIX must be s3://, gs:// or file:// and end with '/': %r" % url)
        self.scheme, self.bucket, self.prefix = match.groups()
        if self.scheme == "s3":
            import boto3  # in the image; not needed for file:// tests

            self.client = boto3.client("s3")
        elif self.scheme == "gs":
            from google.cloud import storage

            self.client = storage.Client().bucket(self.bucket)
        else:
            self.root = Path("/" + self.prefix)

    def keys(self):
        if self.scheme == "file":
            if not self.root.exists():
                return []
            return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())
        if self.scheme == "s3":
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
            return sorted(o["Key"][len(self.prefix):] for page in pages for o in page.get("Contents", []))
        return sorted(b.name[len(self.prefix):] for b in self.client.list_blobs(prefix=self.prefix))

    def download(self, key, target):
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.scheme == "file":
            shutil.copy2(self.root / key, target)
        elif self.scheme == "s3":
            self.client.download_file(self.bucket, self.prefix + key, str(target))
        else:
            self.client.blob(self.prefix + key).download_to_filename(str(target))

    def upload(self, source, key):
        if self.scheme == "file":
            (self.root / key).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, self.root / key)
        elif self.scheme == "s3":
            self.client.upload_file(str(source), self.bucket, self.prefix + key)
        else:
            self.client.blob(self.prefix + key).upload_from_filename(str(source))


def checkpoint_order(name):
    numbers = [int(n) for n in re.findall(r"\d+", name)]
    return (max(numbers) if numbers else -1, name)


def latest_checkpoint(names):
    return max(names, key=checkpoint_order) if names else None


def trial_index():
    for variable in INDEX_VARIABLES:
        if os.environ.get(variable, "") != "":
            return int(os.environ[variable])
    return 0


def read_text(location):
    """A local file (path or file://) or an object (s3://bucket/key, gs://bucket/key), as text."""
    match = re.match(r"^(s3|gs)://([^/]+)/(.+)$", location)
    if match is None:
        return Path(location[len("file://"):] if location.startswith("file://") else location).read_text()
    scheme, bucket, key = match.groups()
    if scheme == "s3":
        import boto3  # in the image; not needed for local files

        return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    from google.cloud import storage

    return storage.Client().bucket(bucket).blob(key).download_as_text()


def trial_params(index):
    if os.environ.get("BURST_TRIAL_PARAMS"):
        return json.loads(os.environ["BURST_TRIAL_PARAMS"])
    params_file = os.environ.get("BURST_PARAMS_FILE")
    if not params_file:
        return {}
    try:
        trials = json.loads(read_text(params_file))
    except Exception as error:  # a missing object, denied access or bad JSON: say which file, no traceback
        raise SystemExit("burst_entry: cannot read the trial parameters in BURST_PARAMS_FILE %s: %s" % (params_file, error))
    if not isinstance(trials, list) or index >= len(trials):
        raise SystemExit("burst_entry: %s has no trial %d" % (params_file, index))
    if not isinstance(trials[index], dict):
        raise SystemExit("burst_entry: trial %d in %s is not an object of parameters" % (index, params_file))
    return trials[index]


class Syncer:
    """Uploads new or changed checkpoint files; touches the sync-done file after each pass."""

    def __init__(self, store, local, done_file):
        self.store, self.local, self.done_file = store, local, done_file
        self.seen = {}
        self.lock = threading.Lock()

    def mark_present(self):
        for path in self.local.rglob("*"):
            if path.is_file():
                stat = path.stat()
                self.seen[str(path.relative_to(self.local))] = (stat.st_size, stat.st_mtime_ns)

    def sync(self):
        with self.lock:
            uploaded = 0
            for path in sorted(self.local.rglob("*")):
                if not path.is_file():
                    continue
                key = str(path.relative_to(self.local))
                stat = path.stat()
                if self.seen.get(key) != (stat.st_size, stat.st_mtime_ns):
                    self.store.upload(path, key)
                    self.seen[key] = (stat.st_size, stat.st_mtime_ns)
                    uploaded += 1
            if self.done_file:
                Path(self.done_file).parent.mkdir(parents=True, exist_ok=True)
                Path(self.done_file).touch()
            log("synced", files=uploaded)


def restore(store, local):
    keys = store.keys()
    latest = latest_checkpoint(sorted({k.split("/", 1)[0] for k in keys}))
    if latest is None:
        log("no-checkpoint")
        return ""
    for key in keys:
        if key == latest or key.startswith(latest + "/"):
            store.download(key, local / key)
    log("restored", checkpoint=latest)
    return str(local / latest)


def main(argv):
    if not argv:
        raise SystemExit("burst_entry: give the training command as arguments, e.g. python train.py")
    index = trial_index()
    params = trial_params(index)
    prefix = os.environ.get("BURST_CHECKPOINT_PREFIX", "")
    store = Store(prefix.replace("{trial}", str(index)))
    local = Path(os.environ.get("BURST_LOCAL_CHECKPOINT_DIR", "/checkpoints"))
    local.mkdir(parents=True, exist_ok=True)
    syncer = Syncer(store, local, os.environ.get("BURST_SYNC_DONE_FILE", "/run/gpu-burst/checkpoint-synced"))

    resume_from = restore(store, local)
    syncer.mark_present()
    env = dict(os.environ, BURST_PARAMS=json.dumps(params), BURST_TRIAL_INDEX=str(index), BURST_RESUME_FROM=resume_from)
    for name, value in params.items():
        env["BURST_PARAM_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()] = str(value)

    # Handlers first: a reclaim that lands while the trainer starts must still reach it.
    stopping = threading.Event()
    children = []

    def forward(signum, _frame):
        log("signal", signal=signal.Signals(signum).name)
        stopping.set()
        for child in children:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    if stopping.is_set():
        syncer.sync()
        return 143
    trainer = subprocess.Popen(argv, env=env)
    children.append(trainer)
    log("started", pid=trainer.pid, trial=index, resume_from=resume_from or None)

    interval = float(os.environ.get("BURST_SYNC_SECONDS", "300"))
    next_sync = time.monotonic() + interval
    while trainer.poll() is None:
        time.sleep(0.2)
        if not stopping.is_set() and time.monotonic() >= next_sync:
            syncer.sync()
            next_sync = time.monotonic() + interval
    syncer.sync()
    log("exited", code=trainer.returncode)
    return trainer.returncode if trainer.returncode >= 0 else 128 - trainer.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
