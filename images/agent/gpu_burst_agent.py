#!/usr/bin/env python3
"""gpu-burst on-host agent: idle and TTL shutdown, job-exit mode, preemption notices, the Auto Scaling
termination lifecycle hook, run manifest.

Reads the AgentConfig file (images/agent/config.ts is the contract). Standard library only, Python
3.8 syntax: it ships gzipped inside GCP startup scripts (from S3 on AWS), so it stays small. The
decision core (parsers, readings, IdleTracker, decide, shutdown_argv) is pure, for `replay` and
test_agent.py.
"""

import argparse
import collections
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

AGENT_VERSION = "0.1.0"
LAUNCH_KINDS = {"aws": ("asg", "devbox", "instance"), "gcp": ("mig", "devbox", "instance", "tpu")}
NVIDIA_SMI_TIMEOUT = 5.0
TPU_INFO_TIMEOUT = 8.0  # tpu-info imports libtpu in a canary subprocess before printing
ACTION_TIMEOUT, UPLOAD_TIMEOUT, SHUTDOWN_UPLOAD_WAIT = 120.0, 60.0, 20.0
ACTION_RETRIES = 3
IMDS_TOKEN_TTL = 21600
GCP_WAIT_SECONDS = 60
# The Auto Scaling group's own state machine: "Terminated" while the instance waits in
# Terminating:Wait on a termination lifecycle hook (and on its way out without one).
LIFECYCLE_STATE, TERMINATED = "autoscaling/target-lifecycle-state", "Terminated"
GROUP_TAG = "tags/instance/aws:autoscaling:groupName"  # needs InstanceMetadataTags enabled
# After its own terminate call: how long the agent waits for the state to read Terminated, polling
# every LIFECYCLE_POLL seconds, before it leaves the hook to its heartbeat timeout.
LIFECYCLE_WAIT, LIFECYCLE_POLL = 120.0, 0.5
HEARTBEAT_RANGE = (30, 7200)  # what AWS accepts for a lifecycle hook's HeartbeatTimeout
SYNC_MARGIN = 0.10
# File timestamps come from the kernel's coarse clock, which can trail time.time() by a tick.
MTIME_SLACK = 0.02
POWEROFF = ["systemctl", "poweroff"]
GPU_QUERY = ["nvidia-smi", "--query-gpu=index,utilization.gpu,utilization.memory", "--format=csv,noheader,nounits"]
BUSY, QUIET, UNKNOWN = "busy", "quiet", "unknown"

# One signal at one moment. active_at: for a signal with its own timestamp (the heartbeat's mtime),
# when it was last active; such a signal counts from then instead of per sample.
Reading = collections.namedtuple("Reading", "state detail active_at", defaults=(None,))
Verdict = collections.namedtuple("Verdict", "idle blockers quiet_for")
Completed = collections.namedtuple("Completed", "code stdout stderr error")
GroupRef = collections.namedtuple("GroupRef", "name scope location")
O = collections.OrderedDict


# -- configuration: validated once, at the boundary ----------------------------------------------

def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def signal_number(name):
    """The number of 'SIGTERM' / 'TERM' / 'sigusr1', or None."""
    if not isinstance(name, str) or not name:
        return None
    member = getattr(signal.Signals, ("" if name.upper().startswith("SIG") else "SIG") + name.upper(), None)
    return None if member is None else int(member)


CHECKS = {
    "text": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string"),
    "path": (lambda v: isinstance(v, str) and v.startswith("/"), "an absolute path"),
    "url": (lambda v: isinstance(v, str) and re.match(r"^https?://[^/]", v), "an http:// or https:// URL"),
    "seconds": (lambda v: _number(v) and v > 0, "a number greater than 0"),
    "percent": (lambda v: _number(v) and 0 <= v <= 100, "a percentage from 0 to 100"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "signal": (lambda v: signal_number(v) is not None, "a signal name such as SIGTERM"),
    "argv": (lambda v: isinstance(v, list) and v and all(isinstance(a, str) and a for a in v),
             "a non-empty list of strings"),
    "run": (lambda v: isinstance(v, str) and re.match(r"^[A-Za-z0-9][\w.-]*$", v), "letters, digits, '.', '_' or '-'"),
    "hash": (lambda v: isinstance(v, str) and re.match(r"^sha256:[0-9a-f]{64}$", v), "sha256:<64 hex digits>"),
    "hook": (lambda v: isinstance(v, str) and re.match(r"^[A-Za-z0-9_/-]{1,255}$", v),
             "a lifecycle hook name (1-255 letters, digits, '-', '_' or '/')"),
    "any": (lambda v: True, ""),
}
# AgentConfig version 1: field -> check ("?" = may be null); a dict is a section ("?" key: nullable).
SCHEMA = {
    "version": "any", "cloud": "any", "launchKind": "any", "team": "text", "artifactPrefix": "text", "run": "run?",
    "idleWindowSeconds": "seconds", "sampleSeconds": "seconds", "ttlSeconds": "seconds", "busyLogSeconds": "seconds",
    "gpu": "bool", "gpuBusyPercent": "percent", "heartbeatFile": "path", "procRoot": "path", "stateDir": "path",
    "tpu": {"?": True, "name": "text", "queuedResource": "text?", "busyPercent": "percent"},
    "trainer": {"command": "argv?", "workingDirectory": "path?", "user": "text?", "pidFile": "path", "signal": "signal",
                "syncDoneFile": "path"},
    "preemption": {"pollSeconds": "seconds", "budgetSeconds": "seconds", "rebalanceSignal": "signal?"},
    "jupyter": {"?": True, "url": "url", "tokenFile": "path?"},
    "lifecycleHook": {"?": True, "name": "hook", "heartbeatSeconds": "seconds"},
    "manifest": {"specHash": "hash", "gitCommit": "text?", "containerImage": "text?"},
    "endpoints": {"awsMetadata": "url", "gcpMetadata": "url"},
}
# Samples at most 10 s apart; spot endpoints polled at least every 5 s (checklist A21).
LIMITS = {"sampleSeconds": 10, "preemption.pollSeconds": 5}
# Fields added to version 1 later: an older file without them reads them as null.
OPTIONAL = {"lifecycleHook"}


def _check_fields(obj, schema, prefix, problems):
    problems.extend("%s%s: unknown field (this agent reads version 1)" % (prefix, k) for k in obj if k not in schema)
    for key, check in schema.items():
        name, value = prefix + key, obj.get(key)
        if key == "?":
            continue
        if key not in obj:
            if name not in OPTIONAL:
                problems.append(name + ": missing")
        elif isinstance(check, dict):
            if isinstance(value, dict):
                _check_fields(value, check, name + ".", problems)
            elif value is not None or "?" not in check:
                problems.append("%s: must be an object%s" % (name, " or null" if "?" in check else ""))
        elif not (value is None and check.endswith("?")) and not CHECKS[check.rstrip("?")][0](value):
            problems.append("%s: must be %s (got %s)" % (name, CHECKS[check.rstrip("?")][1], json.dumps(value)))
        elif name in LIMITS and _number(value) and value > LIMITS[name]:
            problems.append("%s: must be at most %d (got %s)" % (name, LIMITS[name], value))


def validate_config(raw):
    """Problems with a parsed agent.json, each 'field: what is wrong'; empty when it is valid."""
    if not isinstance(raw, dict):
        return ["the file must hold one JSON object"]
    if raw.get("version") != 1:
        return ["version: unknown version %s; this agent (%s) reads version 1"
                % (json.dumps(raw.get("version")), AGENT_VERSION)]
    problems = []
    _check_fields(raw, SCHEMA, "", problems)
    cloud, kind, prefix = raw.get("cloud"), raw.get("launchKind"), raw.get("artifactPrefix")
    if cloud not in LAUNCH_KINDS:
        problems.append('cloud: must be "aws" or "gcp" (got %s)' % json.dumps(cloud))
    elif kind not in LAUNCH_KINDS[cloud]:
        problems.append("launchKind: %s is not a %s launch kind (supported: %s)"
                        % (json.dumps(kind), cloud, ", ".join(LAUNCH_KINDS[cloud])))
    scheme = {"aws": "s3://", "gcp": "gs://"}.get(cloud)
    if scheme and isinstance(prefix, str) and not re.match("^" + scheme + r"[^/]+/(.+/)?$", prefix):
        problems.append("artifactPrefix: must be %s<bucket>/... ending with '/' (got %s)"
                        % (scheme, json.dumps(prefix)))
    if (kind == "tpu") != (raw.get("tpu") is not None):
        problems.append('tpu: must be set exactly when launchKind is "tpu"')
    hook = raw.get("lifecycleHook")
    if hook is not None and (cloud, kind) != ("aws", "asg"):
        problems.append('lifecycleHook: only an AWS Auto Scaling group member (launchKind "asg") has one')
    beat = hook.get("heartbeatSeconds") if isinstance(hook, dict) else None
    if _number(beat) and beat > 0 and not HEARTBEAT_RANGE[0] <= beat <= HEARTBEAT_RANGE[1]:
        problems.append("lifecycleHook.heartbeatSeconds: must be from %d to %d (got %s)" % (HEARTBEAT_RANGE + (beat,)))
    return problems


def load_config(path):
    """(config, problems); config is None unless problems is empty."""
    try:
        with open(path) as handle:
            raw = json.load(handle)
    except OSError as error:
        return None, ["cannot read the file: %s" % error.strerror]
    except ValueError as error:
        return None, ["not valid JSON: %s" % error]
    problems = validate_config(raw)
    if not problems:
        raw.setdefault("lifecycleHook", None)
    return (None if problems else raw), problems


# -- parsers and per-signal readings (pure) -----------------------------------------------------

def _fmt(value):
    return "n/a" if value is None else ("%.1f" % value).rstrip("0").rstrip(".")


def _percent(text):
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$", text)
    return float(match.group(1)) if match else None


def _first(items):
    return items[0] + (" (+%d more)" % (len(items) - 1) if len(items) > 1 else "")


def parse_gpu_utilisation(text):
    """[(index, util, mem)] from GPU_QUERY; [N/A] is None. ValueError for anything else."""
    gpus = []
    for line in filter(str.strip, text.splitlines()):
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != 3 or not fields[0].isdigit():
            raise ValueError("unreadable nvidia-smi line %r" % line[:80])
        gpus.append((int(fields[0]), _percent(fields[1]), _percent(fields[2])))
    if not gpus:
        raise ValueError("nvidia-smi listed no GPUs")
    return gpus


def gpu_reading(gpus, busy_percent):
    """Busy when a GPU's utilisation or memory-controller utilisation exceeds busy_percent. A GPU at
    0 % is idle even while a process holds its memory: a stalled loop must not keep the host."""
    busy = ["GPU %d util %s%%, mem %s%%" % (i, _fmt(u), _fmt(m))
            for i, u, m in gpus if max(u or 0, m or 0) > busy_percent]
    blind = [i for i, u, m in gpus if u is None and m is None]
    if busy:
        return Reading(BUSY, "busy: " + _first(busy))
    if blind:
        return Reading(UNKNOWN, "unknown: nvidia-smi reports no utilisation for GPU %d" % blind[0])
    return Reading(QUIET, "quiet: %d GPU(s) at or below %s%%" % (len(gpus), _fmt(busy_percent)))


def parse_gpu_inventory(text):
    """[(name, driver)] from `nvidia-smi --query-gpu=name,driver_version --format=csv,noheader`."""
    gpus = [tuple(part.strip() for part in line.rsplit(",", 1)) for line in filter(str.strip, text.splitlines())]
    if not all(len(g) == 2 and g[0] and re.match(r"^\d+(\.\d+)+$", g[1]) for g in gpus):
        raise ValueError("unreadable nvidia-smi inventory")
    return gpus


def parse_cuda_version(text):
    match = re.search(r"CUDA Version:\s*(\d+\.\d+)", text)
    return match.group(1) if match else None


# rich's table cell separators: ASCII (tpu-info >= 0.5) and box drawing (older releases).
_SEPARATORS = u"|\u2502\u2503"


def _column(text, header):
    """[(first cell, cell)] under the first table header cell matching `header`; None without one.
    Border lines (no word character) are skipped; any other non-row line ends the table."""
    values, column = None, None
    for line in re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text).splitlines():
        line = line.strip()
        if line and not re.search(r"\w", line):
            continue
        row = [c.strip() for c in re.split(u"[%s]" % _SEPARATORS, line)[1:-1]] if line[:1] in _SEPARATORS else []
        if len(row) < 2:
            if values:
                return values
            column = None
        elif column is None:
            found = [i for i, cell in enumerate(row) if re.search(header, cell, re.I)]
            column, values = (found[0], []) if found else (None, values)
        elif column < len(row):
            values.append((row[0], row[column]))
    return values


def parse_tpu_info(text):
    """(duties, holders) from tpu-info's dashboard: duties [(chip, percent or None for N/A)];
    holders: PIDs of the TPU Chips table, None without that table."""
    duties = [(chip, _percent(value)) for chip, value in _column(text, r"^duty cycle") or []]
    pids = _column(text, r"^PID$")
    return duties, None if pids is None else [int(p) for _, cell in pids for p in re.findall(r"\d+", cell)]


def tpu_judgment(duties, holders, busy_percent):
    """Busy when a chip's duty cycle exceeds busy_percent. libtpu serves no metrics while no
    framework has the TPU open: that is quiet only when no process holds a chip."""
    measured = [(chip, duty) for chip, duty in duties if duty is not None]
    busy = [(chip, duty) for chip, duty in measured if duty > busy_percent]
    if busy:
        return Reading(BUSY, "busy: TPU chip %s duty cycle %s%%" % (busy[0][0], _fmt(busy[0][1])))
    if measured:
        return Reading(QUIET, "quiet: %d TPU chip(s) at or below %s%% duty cycle" % (len(measured), _fmt(busy_percent)))
    if not duties or holders is None:
        return Reading(UNKNOWN, "unknown: no duty cycle and chips table in tpu-info output")
    if holders:
        return Reading(UNKNOWN, "unknown: pid %d holds the TPU but libtpu reports no duty cycle" % holders[0])
    return Reading(QUIET, "quiet: no process holds the TPU (libtpu metrics unavailable)")


def tpu_reading(output, busy_percent):
    if "No TPU chips found" in output:
        return Reading(UNKNOWN, "unknown: tpu-info found no TPU chips")
    return tpu_judgment(*parse_tpu_info(output), busy_percent=busy_percent)


def classify_process(comm, cmdline):
    """'ssh USER@TTY' or 'ssm SESSION' for an interactive session's process, else None.

    OpenSSH retitles a connection's process `sshd: USER@pts/N` (`@notty` for scp, forwarding, IDE
    remotes) only once the user has authenticated (9.8+: sshd-session); the [priv] monitor, [net]
    and [preauth] children and the listener are not sessions. SSM runs one ssm-session-worker per
    session, and /proc/PID/comm cuts that name to 15 characters."""
    args = cmdline.replace("\0", " ").split()
    if comm in ("sshd", "sshd-session") or args[:1] and args[0].startswith("sshd"):
        match = re.match(r"^sshd(?:-session)?: (\S+)@(\S+)", " ".join(args))
        return "ssh %s@%s" % match.groups() if match and match.group(1) != "unknown" else None
    if comm.startswith("ssm-session-wor") or args[:1] and os.path.basename(args[0]) == "ssm-session-worker":
        return "ssm " + (args[1] if len(args) > 1 else "?")
    return None


def sessions_reading(processes):
    """processes: [(pid, comm, cmdline)]. Busy while an SSH or SSM session is open."""
    kinds = ((pid, classify_process(comm, cmdline)) for pid, comm, cmdline in processes)
    sessions = ["%s (pid %s)" % (kind, pid) for pid, kind in kinds if kind]
    return Reading(BUSY, "busy: " + _first(sessions)) if sessions else Reading(QUIET, "quiet: no SSH or SSM session")


def heartbeat_reading(mtime, now, window):
    """Busy while modified within the idle window; active at its mtime (never in the future)."""
    if mtime is None:
        return Reading(QUIET, "quiet: no heartbeat file")
    touched = min(mtime, now)
    state = BUSY if now - touched < window else QUIET
    return Reading(state, "%s: heartbeat touched %ss ago" % (state, _fmt(now - touched)), touched)


def jupyter_reading(body):
    """From GET /api/kernels: busy while a kernel's execution_state is busy."""
    kernels = json.loads(body)
    if not isinstance(kernels, list) or not all(isinstance(k, dict) for k in kernels):
        raise ValueError("/api/kernels did not answer a list of kernels")
    busy = [str(k.get("id"))[:8] for k in kernels if k.get("execution_state") == "busy"]
    if busy:
        return Reading(BUSY, "busy: Jupyter kernel %s executing" % _first(busy))
    return Reading(QUIET, "quiet: %d Jupyter kernel(s) idle" % len(kernels))


def parse_boot_time(stat_text):
    match = re.search(r"^btime\s+(\d+)\s*$", stat_text, re.M)
    return int(match.group(1)) if match else None


def parse_created_by(value):
    """The managed instance group in GCE's `created-by` attribute, or None."""
    match = re.match(r"^projects/[^/]+/(region|zone)s/([^/]+)/instanceGroupManagers/([^/]+)$", value or "")
    return GroupRef(match.group(3), match.group(1), match.group(2)) if match else None


# -- decision core (pure) -----------------------------------------------------------------------

class IdleTracker:
    """Idle once every signal has been quiet for the window: sampled signals on consecutive samples
    spanning it, timestamped ones since their activity. The agent's start counts as activity."""

    def __init__(self, window_seconds, started_at):
        self.window, self.quiet_since = window_seconds, started_at

    def observe(self, now, readings):
        blockers, noisy, activity = O(), False, []
        for name, reading in readings.items():
            if reading.active_at is not None:
                activity.append(reading.active_at)
            noisy = noisy or (reading.state != QUIET and reading.active_at is None)
            if reading.state != QUIET:
                blockers[name] = reading.detail
        if noisy:
            self.quiet_since = None
        elif self.quiet_since is None:
            self.quiet_since = now
        if self.quiet_since is None:
            return Verdict(False, blockers, 0.0)
        quiet_for = max(0.0, now - max([self.quiet_since] + activity))
        # A millisecond of tolerance: ticks are sums of floats near 1.7e9.
        return Verdict(quiet_for >= self.window - 1e-3, blockers, quiet_for)


def decide(now, ttl_deadline, idle, trainer_exit_code, preemption):
    """Why the host goes now, or None. preemption: None; 'syncing' (a notice is handled: nothing
    interrupts the checkpoint); 'settled' (the cloud reclaims the host: only the TTL holds)."""
    if preemption == "syncing":
        return None
    if now >= ttl_deadline:
        return "ttl"
    if preemption:
        return None
    if trainer_exit_code is not None:
        return "job-exit"
    return "idle" if idle else None


def shutdown_argv(config, identity):
    """The command removing this host for its cloud and launch kind; None when metadata is missing."""
    kind, name, zone, region = config["launchKind"], identity.get("name"), identity.get("zone"), identity.get("region")
    if config["cloud"] == "aws":
        instance = identity.get("instanceId")
        if kind == "instance":
            return list(POWEROFF)  # the launch template sets terminate-on-shutdown
        if not instance or not region:
            return None
        if kind == "asg":
            return ["aws", "autoscaling", "terminate-instance-in-auto-scaling-group", "--instance-id", instance,
                    "--should-decrement-desired-capacity", "--region", region]
        return ["aws", "ec2", "stop-instances", "--instance-ids", instance, "--region", region]
    group = parse_created_by(identity.get("createdBy"))
    if kind == "mig":
        return group and name and ["gcloud", "compute", "instance-groups", "managed", "delete-instances", group.name,
                                   "--instances=" + name, "--%s=%s" % (group.scope, group.location), "--quiet"] or None
    tpu = config["tpu"] or {}
    if not zone or not (name or kind == "tpu"):
        return None
    if kind == "tpu" and tpu["queuedResource"]:
        return ["gcloud", "compute", "tpus", "queued-resources", "delete", tpu["queuedResource"], "--zone=" + zone,
                "--force", "--quiet", "--async"]
    if kind == "tpu":
        return ["gcloud", "compute", "tpus", "tpu-vm", "delete", tpu["name"], "--zone=" + zone, "--quiet", "--async"]
    verb = "stop" if kind == "devbox" else "delete"
    return ["gcloud", "compute", "instances", verb, name, "--zone=" + zone, "--quiet"]


def complete_lifecycle_argv(hook, group, identity):
    """Lets the Auto Scaling group finish terminating this instance (its hook's wait ends now)."""
    return ["aws", "autoscaling", "complete-lifecycle-action", "--lifecycle-hook-name", hook["name"],
            "--auto-scaling-group-name", group, "--lifecycle-action-result", "CONTINUE",
            "--instance-id", identity["instanceId"], "--region", identity["region"]]


def group_lookup_argv(identity):
    """Asks Auto Scaling for this instance's group when instance metadata tags are off."""
    return ["aws", "autoscaling", "describe-auto-scaling-instances", "--instance-ids", identity["instanceId"],
            "--region", identity["region"], "--query", "AutoScalingInstances[0].AutoScalingGroupName",
            "--output", "text"]


def parse_group_name(text):
    """The group name from group_lookup_argv's output; None for an empty answer ("None" in text output)."""
    name = (text or "").strip()
    return name if name and name != "None" and "\n" not in name else None


def upload_argv(cloud, path, destination):
    return (["aws", "s3", "cp"] if cloud == "aws" else ["gcloud", "storage", "cp"]) + [path, destination]


def run_id_for(config, identity, boot_time):
    return config["run"] or "%s-%d" % (identity.get("instanceId") or identity.get("name") or "unknown-host", boot_time)


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_manifest(config, identity, run_id, boot_time, gpus, cuda_version):
    """gpus: [(name, driver)] from nvidia-smi, None when it could not say. Unknown is null, never guessed."""
    accelerator = None
    if config["tpu"] is not None or identity.get("acceleratorType"):
        accelerator = {"kind": "tpu", "type": identity.get("acceleratorType"), "count": None}
    elif config["gpu"]:
        names = ", ".join(sorted(set(n for n, _ in gpus or [])))
        accelerator = {"kind": "gpu", "type": names or None, "count": len(gpus) if gpus else None}
    facts, get = config["manifest"], identity.get
    return O([
        ("manifestVersion", 1), ("cloud", config["cloud"]), ("team", config["team"]), ("run", run_id),
        ("launchKind", config["launchKind"]), ("instanceId", get("instanceId") or get("name")),
        ("instanceType", get("instanceType")), ("imageId", get("imageId")), ("project", get("project")),
        ("region", get("region")), ("zone", get("zone")), ("accelerator", accelerator),
        ("driverVersion", ", ".join(sorted(set(d for _, d in gpus or []))) or None), ("cudaVersion", cuda_version),
        ("containerImage", facts["containerImage"]), ("specHash", facts["specHash"]), ("gitCommit", facts["gitCommit"]),
        ("agentVersion", AGENT_VERSION), ("bootTime", None if boot_time is None else _iso(boot_time)),
    ])


# -- I/O: log, commands, HTTP, metadata, /proc --------------------------------------------------

_LOG_LOCK = threading.Lock()


def log(event, **fields):
    """One JSON object per line on stdout (journald keeps them)."""
    record = O([("ts", round(time.time(), 3)), ("event", event)])
    record.update(fields)
    with _LOG_LOCK:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


def run_command(argv, timeout, cwd=None, env=None):
    """Runs argv from PATH; a missing binary, a timeout or a non-zero exit sets error."""
    try:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, universal_newlines=True, errors="replace",
                                   start_new_session=True)
    except OSError as error:
        missing = isinstance(error, FileNotFoundError)
        return Completed(None, "", "", "%s not found on PATH" % argv[0] if missing else str(error))
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the group: a grandchild holding the pipes would block communicate()
        process.communicate()
        return Completed(None, "", "", "%s timed out after %ss" % (argv[0], _fmt(timeout)))
    error = "%s exited %d" % (argv[0], process.returncode) if process.returncode else None
    return Completed(process.returncode, out, err, error)


def _failure(result):
    tail = (result.stderr or result.stdout).strip().splitlines()
    return result.error + (": " + tail[-1][:120] if result.code is not None and tail else "")


# Metadata servers are reached directly, whatever HTTP(S)_PROXY the host sets.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_request(method, url, headers, timeout=2.0):
    """(status, body, headers) for any HTTP answer; OSError when nothing answers."""
    try:
        with _OPENER.open(urllib.request.Request(url, headers=headers, method=method), timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace"), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), error.headers
    except (ValueError, IOError) as error:  # http.client errors are not all OSErrors
        raise OSError("%s: %s" % (url, error))


class Metadata:
    """AWS IMDSv2 (session token, refreshed before expiry and on 401) or the GCE metadata server."""

    def __init__(self, config):
        self.aws, self.token, self.expires, self.lock = config["cloud"] == "aws", None, 0.0, threading.Lock()
        self.base = config["endpoints"]["awsMetadata"].rstrip("/") + "/latest/" if self.aws else \
            config["endpoints"]["gcpMetadata"].rstrip("/") + "/computeMetadata/v1/"

    def get(self, path, timeout=2.0):
        """(status, body, headers) of GET meta-data/<path> (AWS) or <path> (GCP)."""
        if not self.aws:
            return http_request("GET", self.base + path, {"Metadata-Flavor": "Google"}, timeout)
        with self.lock:
            for attempt in (1, 2):
                if self.token is None or time.monotonic() >= self.expires:
                    status, body, _ = http_request("PUT", self.base + "api/token",
                                                   {"X-aws-ec2-metadata-token-ttl-seconds": str(IMDS_TOKEN_TTL)})
                    if status != 200:
                        raise OSError("IMDSv2 token request answered HTTP %d" % status)
                    self.token, self.expires = body.strip(), time.monotonic() + IMDS_TOKEN_TTL - 60
                answer = http_request("GET", self.base + "meta-data/" + path,
                                      {"X-aws-ec2-metadata-token": self.token}, timeout)
                if answer[0] != 401 or attempt == 2:
                    return answer
                self.token = None

    def value(self, path):
        try:
            status, body, _ = self.get(path)
        except OSError:
            return None
        return body.strip() if status == 200 and body.strip() else None


def fetch_identity(config):
    md = Metadata(config)
    if md.aws:
        return dict((key, md.value(path)) for key, path in (
            ("instanceId", "instance-id"), ("instanceType", "instance-type"), ("imageId", "ami-id"),
            ("region", "placement/region"), ("zone", "placement/availability-zone")))
    zone = (md.value("instance/zone") or "").rsplit("/", 1)[-1] or None  # projects/N/zones/Z
    return {"name": md.value("instance/name"), "zone": zone, "region": zone and zone.rsplit("-", 1)[0],
            "instanceType": (md.value("instance/machine-type") or "").rsplit("/", 1)[-1] or None,
            "imageId": md.value("instance/image"), "project": md.value("project/project-id"),
            "createdBy": md.value("instance/attributes/created-by"),
            "acceleratorType": md.value("instance/attributes/accelerator-type")}


def file_mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def read_text(path):
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def scan_processes(proc_root, name="cmdline"):
    """[(pid, comm, text of <name>)] of every process under proc_root; vanished ones are skipped."""
    found = []
    for pid in filter(str.isdigit, os.listdir(proc_root)):
        try:
            comm = read_text(os.path.join(proc_root, pid, "comm")).strip()
            found.append((int(pid), comm, read_text(os.path.join(proc_root, pid, name))))
        except OSError:
            pass
    return found


def child_pids(proc_root, parent):
    """Children of parent: the ppid field of /proc/PID/stat follows the parenthesised comm."""
    return [pid for pid, _, stat in scan_processes(proc_root, "stat")
            if stat.rpartition(")")[2].split()[1:2] == [str(parent)]]


# -- sampling the idle signals -----------------------------------------------------------------

def sample_gpu(busy_percent):
    result = run_command(GPU_QUERY, NVIDIA_SMI_TIMEOUT)
    try:
        if result.error:
            raise ValueError(_failure(result))
        return gpu_reading(parse_gpu_utilisation(result.stdout), busy_percent)
    except ValueError as error:
        return Reading(UNKNOWN, "unknown: %s" % error)


def sample_signals(config, now):
    readings = O()
    if config["gpu"]:
        readings["gpu"] = sample_gpu(config["gpuBusyPercent"])
    if config["tpu"]:
        # A wide, colourless console keeps rich from wrapping or styling the tables.
        result = run_command(["tpu-info"], TPU_INFO_TIMEOUT, env=dict(os.environ, COLUMNS="200", NO_COLOR="1"))
        readings["tpu"] = (Reading(UNKNOWN, "unknown: " + _failure(result)) if result.error
                           else tpu_reading(result.stdout + result.stderr, config["tpu"]["busyPercent"]))
    readings["heartbeat"] = heartbeat_reading(file_mtime(config["heartbeatFile"]), now, config["idleWindowSeconds"])
    try:
        readings["sessions"] = sessions_reading(scan_processes(config["procRoot"]))
    except OSError as error:
        readings["sessions"] = Reading(UNKNOWN, "unknown: cannot list processes: %s" % error)
    jupyter = config["jupyter"]
    if jupyter:
        try:
            token = jupyter["tokenFile"] and read_text(jupyter["tokenFile"]).strip()
            headers = {"Authorization": "token " + token} if token else {}
            status, body, _ = http_request("GET", jupyter["url"].rstrip("/") + "/api/kernels", headers, 3.0)
            if status != 200:
                raise ValueError("HTTP %d" % status)
            readings["jupyter"] = jupyter_reading(body)
        except (OSError, ValueError) as error:
            readings["jupyter"] = Reading(UNKNOWN, "unknown: Jupyter unreachable: %s" % error)
    return readings


# -- the agent ---------------------------------------------------------------------------------

class Agent:
    def __init__(self, config):
        self.config, self.wake = config, threading.Event()
        self.lock, self.upload_lock = threading.Lock(), threading.Lock()
        self.preemption = self.trainer = self.trainer_exit = self.run_id = None
        self.shutting_down = self.group = None  # reason of the agent's own shutdown; Auto Scaling group name
        self.wrapped, self.identity, self.pending = False, {}, []
        self.hook, self.lifecycle_lock, self.lifecycle_done = config.get("lifecycleHook"), threading.Lock(), False

    def run(self):
        config, started = self.config, time.time()
        try:
            boot_time = parse_boot_time(read_text(os.path.join(config["procRoot"], "stat")))
        except OSError:
            boot_time = None
        if boot_time is None:
            boot_time = int(started)
            log("warning", why="no btime in %s/stat: the TTL counts from the agent's start" % config["procRoot"])
        self.identity = fetch_identity(config)
        self.run_id = run_id_for(config, self.identity, boot_time)
        deadline = boot_time + config["ttlSeconds"]
        hook = {}
        if self.hook:
            self.group = Metadata(config).value(GROUP_TAG)
            hook = {"lifecycleHook": self.hook["name"], "autoScalingGroup": self.group}
        log("start", version=AGENT_VERSION, cloud=config["cloud"], launchKind=config["launchKind"], run=self.run_id,
            identity=self.identity, bootTime=boot_time, ttlDeadline=deadline, **hook)
        self.write_manifest(boot_time)
        self.start_trainer()
        threading.Thread(target=self.watch_aws if config["cloud"] == "aws" else self.watch_gcp, daemon=True).start()
        return self.loop(started, deadline)

    def loop(self, started, deadline):
        config, tracker = self.config, IdleTracker(self.config["idleWindowSeconds"], started)
        next_sample, last_log = time.time(), 0.0
        while True:
            verdict, now = None, time.time()
            reason = decide(now, deadline, False, self.trainer_exit, self.preemption)
            if reason is None and self.preemption is None and now >= next_sample:
                # Observations carry their scheduled tick (now when behind schedule), so probe time
                # and wake-up jitter never push the window's end one sample later.
                tick = next_sample if now - next_sample < config["sampleSeconds"] else now
                verdict = tracker.observe(tick, sample_signals(config, tick))
                reason = decide(tick, deadline, verdict.idle, self.trainer_exit, self.preemption)
                next_sample = tick + config["sampleSeconds"]
                if reason is None and now - last_log >= config["busyLogSeconds"]:
                    last_log = now
                    if verdict.blockers:
                        log("busy", signals=verdict.blockers)
                    else:
                        log("quiet", quietSeconds=round(verdict.quiet_for, 1), windowSeconds=config["idleWindowSeconds"])
            if reason:
                return self.shut_down(reason, verdict)
            # Until the next sample or the TTL; while a notice is handled, until it settles.
            wake_at = deadline if self.preemption == "settled" else min(next_sample, deadline)
            self.wake.wait(None if self.preemption == "syncing" else max(0.0, wake_at - time.time()))
            self.wake.clear()

    def shut_down(self, reason, verdict):
        why = {"idle": "every signal quiet for %ss" % _fmt(self.config["idleWindowSeconds"]),
               "ttl": "boot time + ttlSeconds (%ss) reached" % _fmt(self.config["ttlSeconds"]),
               "job-exit": "trainer exited with code %s" % self.trainer_exit}[reason]
        argv = shutdown_argv(self.config, self.identity)
        if argv is None:
            log("warning", why="instance metadata incomplete: powering off instead", identity=self.identity)
            argv = list(POWEROFF)
        with self.lock:
            self.shutting_down = reason  # the host goes by the agent's own decision: no notice handling
        log("shutdown", reason=reason, why=why, action=argv)
        self.record("shutdown", {"reason": reason, "why": why, "action": argv, "signals": verdict and verdict.blockers},
                    wait=SHUTDOWN_UPLOAD_WAIT)
        delay = float(os.environ.get("GPU_BURST_RETRY_SECONDS", "10"))
        for attempt in range(1, ACTION_RETRIES + 2):
            result = run_command(argv, ACTION_TIMEOUT)
            if not result.error:
                log("action-done", action=argv, attempt=attempt)
                if self.hook and argv[:3] == ["aws", "autoscaling", "terminate-instance-in-auto-scaling-group"]:
                    self.end_own_termination()
                return 0
            log("action-failed", action=argv, attempt=attempt, error=_failure(result))
            time.sleep(delay if attempt <= ACTION_RETRIES else 0)
        if argv == POWEROFF:
            return 1
        log("action-fallback", action=POWEROFF, why="%s failed %d times" % (argv[0], ACTION_RETRIES + 1))
        result = run_command(POWEROFF, ACTION_TIMEOUT)
        if result.error:
            log("action-failed", action=POWEROFF, attempt=1, error=_failure(result))
        return 1 if result.error else 0

    # -- records and uploads: a failure is logged and retried with the next one, never blocks ----

    def write_json(self, path, body):
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path + ".tmp", "w") as handle:
                json.dump(body, handle, indent=2)
            os.rename(path + ".tmp", path)
            return True
        except OSError as error:
            log("warning", why="cannot write %s: %s" % (path, error.strerror))

    def upload(self, path, destination, wait):
        """Uploads in the background with whatever failed before; waits at most `wait` seconds."""
        with self.lock:
            self.pending.append((path, self.config["artifactPrefix"] + "runs/%s/%s" % (self.run_id, destination)))
        worker = threading.Thread(target=self._upload_pending, daemon=True)
        worker.start()
        worker.join(wait)

    def _upload_pending(self):
        with self.upload_lock:
            for item in list(self.pending):
                result = run_command(upload_argv(self.config["cloud"], *item), UPLOAD_TIMEOUT)
                if result.error:
                    log("upload-failed", destination=item[1], error=_failure(result))
                    continue
                log("uploaded", destination=item[1])
                with self.lock:
                    self.pending.remove(item)

    def record(self, kind, body, at=None, wait=0.0):
        """Writes {stateDir}/events/<epoch>-<kind>.json and uploads it to the run's events/."""
        at = time.time() if at is None else at
        name = "events/%d-%s.json" % (at, kind)
        host = self.identity.get("instanceId") or self.identity.get("name")
        event = O([("type", kind), ("at", _iso(at)), ("run", self.run_id), ("instance", host)])
        event.update(body)
        if self.write_json(os.path.join(self.config["stateDir"], name), event):
            self.upload(os.path.join(self.config["stateDir"], name), name, wait)

    def write_manifest(self, boot_time):
        gpus = cuda = None
        if self.config["gpu"]:
            inventory = run_command(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                                    NVIDIA_SMI_TIMEOUT)
            try:
                gpus = None if inventory.error else parse_gpu_inventory(inventory.stdout) or None
            except ValueError:
                pass
            banner = run_command(["nvidia-smi"], NVIDIA_SMI_TIMEOUT)
            cuda = None if banner.error else parse_cuda_version(banner.stdout)
        manifest = build_manifest(self.config, self.identity, self.run_id, boot_time, gpus, cuda)
        log("manifest", manifest=manifest)
        path = os.path.join(self.config["stateDir"], "manifest.json")
        if self.write_json(path, manifest):
            self.upload(path, "manifest.json", 0.0)

    # -- trainer ---------------------------------------------------------------------------------

    def start_trainer(self):
        trainer = self.config["trainer"]
        if not trainer["command"]:
            return
        self.wrapped = bool(trainer["user"]) and os.geteuid() == 0
        argv = (["runuser", "-u", trainer["user"], "--"] if self.wrapped else []) + trainer["command"]
        try:
            # The trainer writes to stderr: stdout stays one JSON object per line.
            self.trainer = subprocess.Popen(argv, cwd=trainer["workingDirectory"], stdin=subprocess.DEVNULL,
                                            stdout=sys.stderr, stderr=sys.stderr)
        except OSError as error:
            self.trainer_exit = 127
            return log("trainer-exit", code=127, error=str(error), command=argv)
        pid = self.trainer_pids(wait_seconds=1.0)[0]
        try:
            with open(trainer["pidFile"], "w") as handle:
                handle.write("%d\n" % pid)
        except OSError as error:
            log("warning", why="cannot write %s: %s" % (trainer["pidFile"], error.strerror))
        log("trainer-start", pid=pid, command=argv)
        threading.Thread(target=self._wait_trainer, daemon=True).start()

    def _wait_trainer(self):
        code = self.trainer.wait()
        log("trainer-exit", code=code, **({"signal": signal.Signals(-code).name} if code < 0 else {}))
        self.trainer_exit = code
        self.wake.set()

    def trainer_pids(self, wait_seconds=0.0):
        """Under runuser the trainer is runuser's child: runuser answers SIGTERM by killing its child
        2 s later, which would cut the checkpoint short, so the child is signalled instead."""
        deadline = time.monotonic() + wait_seconds
        while self.wrapped:
            try:
                children = child_pids(self.config["procRoot"], self.trainer.pid)
            except OSError:
                children = []
            if children or time.monotonic() >= deadline:
                return children or [self.trainer.pid]
            time.sleep(0.05)
        return [self.trainer.pid]

    def signal_trainer(self, name):
        """Signals the child the agent started, else the pidFile's process, else nvidia-smi's compute apps."""
        pids, source = [], "none"
        if self.trainer is not None and self.trainer.poll() is None:
            pids, source = self.trainer_pids(), "child"
        else:
            try:
                pids, source = [int(read_text(self.config["trainer"]["pidFile"]))], "pidFile"
                os.kill(pids[0], 0)
            except (OSError, ValueError):
                pids, source = [], "none"
        if not pids and self.config["gpu"]:
            result = run_command(["nvidia-smi", "--query-compute-apps=pid", "--format=csv,noheader"],
                                 NVIDIA_SMI_TIMEOUT)
            pids, source = [int(p) for p in result.stdout.split() if p.isdigit() and not result.error], "nvidia-smi"
        sent = []
        for pid in pids:
            try:
                os.kill(pid, signal_number(name))
                sent.append(pid)
            except OSError as error:
                log("warning", why="cannot signal pid %d: %s" % (pid, error.strerror))
        log("signalled", signal=name, pids=sent, source=source if sent else "none")
        return sent

    # -- preemption ------------------------------------------------------------------------------

    def watch_aws(self):
        """Spot interruption and rebalance every pollSeconds (A21); with a lifecycle hook, the group's
        target lifecycle state too. A spot notice is handled first; the hook is completed after it."""
        md, interval = Metadata(self.config), self.config["preemption"]["pollSeconds"]
        next_poll, rebalance_seen, spot_seen = time.monotonic(), False, False
        while True:
            try:
                status, body, _ = (404, "", None) if spot_seen else md.get("spot/instance-action")
                if status == 200:
                    spot_seen = True
                    self.on_notice("spot-interruption", _json_or_text(body))
                    if not self.hook:
                        return
                status, body, _ = (404, "", None) if rebalance_seen else md.get("events/recommendations/rebalance")
                if status == 200:
                    rebalance_seen = True
                    self.on_rebalance(_json_or_text(body))
                if self.hook and self.lifecycle_state(md) == TERMINATED:
                    return self.on_lifecycle_terminate()
            except Exception as error:  # the watch must outlive any one bad answer
                log("warning", why="spot notice poll: %s" % error)
            next_poll = max(next_poll + interval, time.monotonic())
            time.sleep(next_poll - time.monotonic())

    def watch_gcp(self):
        """An immediate read, then a re-armed long poll; last_etag answers at once for a change made
        between two polls."""
        md, path = Metadata(self.config), "instance/preempted"
        while True:
            try:
                status, body, headers = md.get(path, timeout=GCP_WAIT_SECONDS + 5)
                if status != 200:
                    raise OSError("instance/preempted answered HTTP %d" % status)
                if body.strip().upper() == "TRUE":
                    return self.on_notice("preemption", {"preempted": "TRUE"})
                etag = headers.get("ETag")
                path = "instance/preempted?wait_for_change=true&timeout_sec=%d" % GCP_WAIT_SECONDS
                path += "&last_etag=" + etag if etag else ""
            except Exception as error:  # the watch must outlive any one bad answer
                log("warning", why="preemption watch: %s" % error)
                time.sleep(1.0)

    def on_notice(self, kind, details, budget=None, event="preemption-notice", upload_wait=None):
        """Signals the trainer, waits for its checkpoint (budget minus SYNC_MARGIN) and records the event.
        Once per host, and never while the agent removes the host itself."""
        notice_at = time.time()
        budget = budget or self.config["preemption"]["budgetSeconds"]
        with self.lock:
            if self.preemption or self.shutting_down:
                return
            self.preemption = "syncing"
        try:
            log(event, kind=kind, details=details, budgetSeconds=budget)
            pids = self.signal_trainer(self.config["trainer"]["signal"])
            outcome, waited = self.wait_for_sync(notice_at, notice_at + budget * (1 - SYNC_MARGIN), pids)
            left = max(1.0, notice_at + budget - time.time())
            self.record(kind, {"details": details, "signalled": pids, "sync": outcome, "syncSeconds": round(waited, 2)},
                        notice_at, wait=left if upload_wait is None else min(left, upload_wait))
        finally:
            self.preemption = "settled"  # whatever happened, the TTL holds again
            self.wake.set()

    # -- the Auto Scaling termination lifecycle hook ----------------------------------------------

    def lifecycle_state(self, md):
        status, body, _ = md.get(LIFECYCLE_STATE)
        return body.strip() if status == 200 else None

    def on_lifecycle_terminate(self):
        """The group terminates this instance (scale-in, the backstop, burst down) and holds it in
        Terminating:Wait for up to the hook's heartbeat: checkpoint like a notice, then let it go."""
        self.on_notice("termination", {"targetLifecycleState": TERMINATED}, self.hook["heartbeatSeconds"],
                       "termination-notice", SHUTDOWN_UPLOAD_WAIT)
        self.complete_lifecycle_action()

    def end_own_termination(self):
        """After the agent's own terminate call: complete the hook as soon as the state reads
        Terminated, so the host does not idle through the heartbeat timeout."""
        md, deadline = Metadata(self.config), time.monotonic() + LIFECYCLE_WAIT
        while time.monotonic() < deadline:
            with self.lifecycle_lock:  # also waits for a completion the watcher has under way
                if self.lifecycle_done:
                    return
            try:
                if self.lifecycle_state(md) == TERMINATED:
                    return self.complete_lifecycle_action()
            except OSError as error:
                log("warning", why="lifecycle state: %s" % error)
            time.sleep(LIFECYCLE_POLL)
        log("warning", why="target lifecycle state not %s after %ss: the hook's heartbeat timeout ends the wait"
            % (TERMINATED, _fmt(LIFECYCLE_WAIT)))

    def complete_lifecycle_action(self):
        """complete-lifecycle-action CONTINUE, once (the watcher and the shutdown path may both get here)."""
        with self.lifecycle_lock:
            if self.lifecycle_done:
                return
            self.lifecycle_done = True
            group = self.group or Metadata(self.config).value(GROUP_TAG)
            if not group and self.identity.get("instanceId") and self.identity.get("region"):
                lookup = run_command(group_lookup_argv(self.identity), ACTION_TIMEOUT)
                group = None if lookup.error else parse_group_name(lookup.stdout)
            if not group or not self.identity.get("instanceId") or not self.identity.get("region"):
                return log("lifecycle-action-failed", error="Auto Scaling group, instance id or region unknown",
                           group=group, identity=self.identity)
            argv = complete_lifecycle_argv(self.hook, group, self.identity)
            delay = float(os.environ.get("GPU_BURST_RETRY_SECONDS", "10"))
            for attempt in range(1, ACTION_RETRIES + 2):
                result = run_command(argv, ACTION_TIMEOUT)
                if not result.error:
                    return log("lifecycle-action-done", action=argv, attempt=attempt)
                log("lifecycle-action-failed", action=argv, attempt=attempt, error=_failure(result))
                if attempt <= ACTION_RETRIES:
                    time.sleep(delay)

    def wait_for_sync(self, notice_at, deadline, pids):
        """Until syncDoneFile is touched at or after the notice, or the deadline."""
        sync_file = self.config["trainer"]["syncDoneFile"]
        if not pids:
            log("sync-skipped", why="no trainer process to signal")
            return "skipped", 0.0
        while True:
            mtime, waited = file_mtime(sync_file), time.time() - notice_at
            if mtime is not None and mtime >= notice_at - MTIME_SLACK:
                log("synced", seconds=round(waited, 2), file=sync_file)
                return "synced", waited
            if time.time() >= deadline:
                log("sync-timeout", seconds=round(waited, 2), file=sync_file)
                return "timeout", waited
            time.sleep(0.25)

    def on_rebalance(self, details):
        log("rebalance", details=details)
        name = self.config["preemption"]["rebalanceSignal"]
        self.record("rebalance", {"details": details, "signalled": self.signal_trainer(name) if name else []})


def _json_or_text(body):
    try:
        return json.loads(body)
    except ValueError:
        return body.strip()


# -- replay: a recorded trace through the decision core, in simulated time ----------------------

def sample_readings(config, sample, now, last_touch):
    """Readings for a trace sample through the live judgments. gpu: [[util, mem], ...] or "fail";
    tpu: [duty or null, ...] or "fail"; processes: [[comm, cmdline], ...]."""
    readings, gpu, tpu = O(), sample.get("gpu", "fail"), sample.get("tpu", "fail")
    if config["gpu"]:
        readings["gpu"] = Reading(UNKNOWN, "unknown: nvidia-smi failed") if gpu == "fail" else \
            gpu_reading([(i, u, m) for i, (u, m) in enumerate(gpu)], config["gpuBusyPercent"])
    if config["tpu"]:
        readings["tpu"] = Reading(UNKNOWN, "unknown: tpu-info failed") if tpu == "fail" else \
            tpu_judgment(list(enumerate(tpu)), [1] if any(d is not None for d in tpu) else [],
                         config["tpu"]["busyPercent"])
    readings["heartbeat"] = heartbeat_reading(last_touch, now, config["idleWindowSeconds"])
    readings["sessions"] = sessions_reading([(i, c, cmd) for i, (c, cmd) in enumerate(sample.get("processes", []))])
    return readings


def replay(config, trace):
    """The decision for a trace. A sample holds until the next one's t; ticks every sampleSeconds,
    waking at the TTL, as the live loop does. heartbeatEverySeconds: touched that often."""
    for key, value in trace.get("config", {}).items():
        merged = dict(config[key], **value) if isinstance(value, dict) and config.get(key) else value
        config = dict(config, **{key: merged})
    problems = validate_config(config)
    if problems:
        raise ValueError("trace config: " + "; ".join(problems))
    samples = sorted(trace["samples"], key=lambda s: s["t"])
    start, until, step, window = samples[0]["t"], trace["until"], config["sampleSeconds"], config["idleWindowSeconds"]
    deadline = start - trace.get("bootOffsetSeconds", 0) + config["ttlSeconds"]
    tracker, now, i, idle_since = IdleTracker(window, start), start, 0, start
    trainer_exit = touch = reason = None
    while now <= until and not reason:
        while i + 1 < len(samples) and samples[i + 1]["t"] <= now:
            i += 1
        sample, end = samples[i], samples[i + 1]["t"] if i + 1 < len(samples) else until
        trainer_exit = sample.get("trainerExit", trainer_exit)
        every = sample.get("heartbeatEverySeconds")
        touch = sample["t"] + every * ((now - sample["t"]) // every) if every else touch
        readings = sample_readings(config, sample, now, touch)
        if any(r.state != QUIET and r.active_at is None for r in readings.values()):
            idle_since = end  # ground truth: this sample's state lasts until the next sample
        idle_since = max([idle_since] + [r.active_at for r in readings.values() if r.active_at is not None])
        verdict = tracker.observe(now, readings)
        reason = decide(now, deadline, verdict.idle, trainer_exit, None)
        if not reason:
            now = min(now + step, deadline) if now < deadline else now + step
    idle = reason == "idle"
    why = {"idle": "every signal quiet for %ss" % _fmt(window),
           "job-exit": "trainer exited with code %s" % trainer_exit}
    return O([("trace", trace.get("name")), ("decision", reason or "none"),
              ("expected", trace.get("expect", {}).get("decision")),
              ("why", why.get(reason, "; ".join("%s %s" % kv for kv in verdict.blockers.items()))),
              ("atSeconds", reason and now - start), ("idleSinceSeconds", idle_since - start if idle else None),
              ("idleToShutdownSeconds", round(now - idle_since, 3) if idle else None), ("windowSeconds", window),
              ("sampleSeconds", step), ("ttlSeconds", config["ttlSeconds"])])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gpu_burst_agent.py", description="gpu-burst on-host agent")
    commands = parser.add_subparsers(dest="command")
    commands.required = True
    for name in ("run", "check-config", "replay"):
        sub = commands.add_parser(name)
        sub.add_argument("--config", default="/etc/gpu-burst/agent.json")
        if name == "replay":
            sub.add_argument("--trace", required=True)
    args = parser.parse_args(argv)
    config, problems = load_config(args.config)
    if args.command == "check-config":
        sys.stderr.write("".join("%s: %s\n" % (args.config, p) for p in problems))
        print("%s: %s" % (args.config, "invalid" if problems else "valid (agent %s, config version 1)" % AGENT_VERSION))
        return 1 if problems else 0
    if problems:
        log("config-invalid", file=args.config, problems=problems)
        return 2
    if args.command == "replay":
        try:
            with open(args.trace) as handle:
                print(json.dumps(replay(config, json.load(handle))))
        except (OSError, ValueError, KeyError, TypeError) as error:
            sys.stderr.write("%s: cannot replay: %s\n" % (args.trace, error))
            return 1
        return 0
    return Agent(config).run()


if __name__ == "__main__":
    sys.exit(main())
