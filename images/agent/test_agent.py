"""Unit tests of the agent's pure logic: config validation, parsers, readings, the idle tracker,
decide, shutdown and lifecycle-hook actions, the manifest and replay. Standard library only, like the agent:

    python3 -m unittest discover -s images/agent -p 'test_*.py'
"""

import copy
import glob
import json
import os
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gpu_burst_agent as agent  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIG = {
    "version": 1, "cloud": "aws", "launchKind": "asg", "team": "ml-research",
    "artifactPrefix": "s3://burst-ml-artifacts/teams/ml-research/", "run": None,
    "idleWindowSeconds": 1800, "sampleSeconds": 10, "ttlSeconds": 86400, "busyLogSeconds": 60,
    "gpu": True, "gpuBusyPercent": 5, "tpu": None, "heartbeatFile": "/run/gpu-burst/heartbeat",
    "trainer": {"command": None, "workingDirectory": None, "user": None, "pidFile": "/run/gpu-burst/trainer.pid",
                "signal": "SIGTERM", "syncDoneFile": "/run/gpu-burst/sync-done"},
    "preemption": {"pollSeconds": 5, "budgetSeconds": 120, "rebalanceSignal": None},
    "lifecycleHook": None, "jupyter": None,
    "manifest": {"specHash": "sha256:" + "ab" * 32, "gitCommit": None, "containerImage": None},
    "endpoints": {"awsMetadata": "http://169.254.169.254", "gcpMetadata": "http://metadata.google.internal"},
    "procRoot": "/proc", "stateDir": "/var/lib/gpu-burst",
}


def config(**changes):
    """CONFIG with top-level changes; a dict value for a section is merged into it."""
    result = copy.deepcopy(CONFIG)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key].update(value)
        else:
            result[key] = value
    return result


GCP = dict(cloud="gcp", launchKind="mig", artifactPrefix="gs://burst-ml-artifacts/teams/ml-research/")
AWS_IDENTITY = {"instanceId": "i-0abc", "region": "us-east-1", "zone": "us-east-1b"}
GCP_IDENTITY = {"name": "trainer-1", "zone": "us-central1-a", "region": "us-central1",
                "createdBy": "projects/p/regions/us-central1/instanceGroupManagers/trainers"}

# tpu-info's default dashboard: ASCII tables (0.5 and later), while a JAX job runs.
TPU_BUSY = """Libtpu version: 0.0.19.dev20250721+nightly
Accelerator type: v6e

TPU Chips
+-------------+--------------+---------+---------+
| Chip        | Type         | Devices | PID     |
|-------------+--------------+---------+---------|
| /dev/vfio/0 | TPU v6e chip | 1       | 1469584 |
| /dev/vfio/1 | TPU v6e chip | 1       | 1469584 |
+-------------+--------------+---------+---------+
TPU Runtime Utilization
+------+-----------------------+------------+
| Chip | HBM Usage (GiB)       | Duty cycle |
|------+-----------------------+------------|
| 0    | 18.45 GiB / 31.25 GiB |      0.00% |
| 1    | 10.40 GiB / 31.25 GiB |     87.50% |
+------+-----------------------+------------+
TensorCore Utilization
+---------+------------------------+
| Core ID | TensorCore Utilization |
|---------+------------------------|
| 0       | 13.60%                 |
+---------+------------------------+
"""

# Older tpu-info (rich's default box drawing), no framework running: metrics unavailable.
TPU_BOX_NO_WORKLOAD = u"""TPU Chips
\u250f\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2533\u2501\u2501\u2501\u2501\u2501\u2501\u2533\u2501\u2501\u2501\u2501\u2501\u2513
\u2503 Chip         \u2503 Type  \u2503 PID  \u2503
\u2521\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2547\u2501\u2501\u2501\u2501\u2501\u2501\u2547\u2501\u2501\u2501\u2501\u2501\u2529
\u2502 /dev/accel0  \u2502 v4    \u2502 None \u2502
\u2502 /dev/accel1  \u2502 v4    \u2502 None \u2502
\u2514\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2534\u2500\u2500\u2500\u2500\u2500\u2500\u2534\u2500\u2500\u2500\u2500\u2500\u2518
\u256d\u2500 Runtime Utilization Status \u2500\u256e
\u2502 WARNING: Libtpu metrics unavailable. Is there a framework using the TPU? \u2502
\u2570\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u256f
TPU Runtime Utilization
\u250f\u2501\u2501\u2501\u2501\u2501\u2501\u2533\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2533\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2513
\u2503 Chip \u2503 Memory usage \u2503 Duty cycle \u2503
\u2521\u2501\u2501\u2501\u2501\u2501\u2501\u2547\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2547\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2501\u2529
\u2502 0    \u2502 N/A          \u2502 N/A        \u2502
\u2502 1    \u2502 N/A          \u2502 N/A        \u2502
\u2514\u2500\u2500\u2500\u2500\u2500\u2500\u2534\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2534\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2518
"""


class ConfigTest(unittest.TestCase):
    def test_the_reference_config_is_valid_on_both_clouds(self):
        self.assertEqual(agent.validate_config(config()), [])
        self.assertEqual(agent.validate_config(config(**GCP)), [])

    def test_an_unknown_version_is_the_only_problem_reported(self):
        self.assertEqual(agent.validate_config(config(version=2, cloud="azure")),
                         ["version: unknown version 2; this agent (%s) reads version 1" % agent.AGENT_VERSION])

    def test_launch_kinds_follow_the_cloud(self):
        self.assertEqual(agent.validate_config(config(launchKind="mig")),
                         ['launchKind: "mig" is not a aws launch kind (supported: asg, devbox, instance)'])
        for kind in ("mig", "devbox", "instance"):
            self.assertEqual(agent.validate_config(config(**dict(GCP, launchKind=kind))), [], kind)

    def test_limits_that_keep_the_agent_responsive(self):
        # A21: the spot endpoints are polled every <= 5 s; samples are at most 10 s apart.
        self.assertEqual(agent.validate_config(config(sampleSeconds=10.5, preemption={"pollSeconds": 6})), [
            "sampleSeconds: must be at most 10 (got 10.5)", "preemption.pollSeconds: must be at most 5 (got 6)"])
        self.assertEqual(agent.validate_config(config(ttlSeconds=0)), ["ttlSeconds: must be a number greater than 0 (got 0)"])
        self.assertEqual(agent.validate_config(config(ttlSeconds=True)), ["ttlSeconds: must be a number greater than 0 (got true)"])

    def test_artifact_prefix_matches_the_cloud_and_ends_with_a_slash(self):
        for prefix in ("s3://bucket/teams/x", "gs://bucket/teams/x/", "s3:///teams/", "bucket/teams/x/"):
            problems = agent.validate_config(config(artifactPrefix=prefix))
            self.assertEqual(len(problems), 1, prefix)
            self.assertTrue(problems[0].startswith("artifactPrefix: must be s3://<bucket>/... ending with '/' (got "), problems)
        self.assertEqual(agent.validate_config(config(artifactPrefix="s3://bucket/")), [])

    def test_sections_fields_and_unknown_keys(self):
        problems = agent.validate_config(config(
            trainer={"signal": "SIGNOPE", "command": [], "extra": 1}, jupyter={"url": "localhost:8888"},
            tpu={"name": "t"}, idleMinutes=30, manifest={"specHash": "abc"}))
        self.assertEqual(problems, [
            "idleMinutes: unknown field (this agent reads version 1)",
            "tpu.queuedResource: missing", "tpu.busyPercent: missing",
            "trainer.extra: unknown field (this agent reads version 1)",
            "trainer.command: must be a non-empty list of strings (got [])",
            'trainer.signal: must be a signal name such as SIGTERM (got "SIGNOPE")',
            'jupyter.url: must be an http:// or https:// URL (got "localhost:8888")',
            "jupyter.tokenFile: missing",
            'manifest.specHash: must be sha256:<64 hex digits> (got "abc")',
            'tpu: must be set exactly when launchKind is "tpu"'])

    def test_tpu_launch_kind_needs_the_tpu_section(self):
        self.assertEqual(agent.validate_config(config(**dict(GCP, launchKind="tpu"))),
                         ['tpu: must be set exactly when launchKind is "tpu"'])

    def test_load_config_names_unreadable_and_malformed_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "agent.json")
            self.assertEqual(agent.load_config(path), (None, ["cannot read the file: No such file or directory"]))
            with open(path, "w") as handle:
                handle.write("{not json")
            loaded, problems = agent.load_config(path)
            self.assertIsNone(loaded)
            self.assertTrue(problems[0].startswith("not valid JSON: "))

    def test_a19_lifecycle_hook_is_optional_null_or_well_formed_and_only_on_aws_asg(self):
        hook = {"name": "gpu-burst-checkpoint", "heartbeatSeconds": 300}
        self.assertEqual(agent.validate_config(config(lifecycleHook=hook)), [])
        self.assertEqual(agent.validate_config(config(lifecycleHook=None)), [])
        absent = config()
        del absent["lifecycleHook"]
        self.assertEqual(agent.validate_config(absent), [])  # a version-1 file written before the field
        self.assertEqual(agent.validate_config(config(lifecycleHook={"name": "bad name", "heartbeatSeconds": 20, "x": 1})), [
            "lifecycleHook.x: unknown field (this agent reads version 1)",
            "lifecycleHook.name: must be a lifecycle hook name (1-255 letters, digits, '-', '_' or '/') (got \"bad name\")",
            "lifecycleHook.heartbeatSeconds: must be from 30 to 7200 (got 20)"])
        self.assertEqual(agent.validate_config(config(lifecycleHook={"name": "h"})), ["lifecycleHook.heartbeatSeconds: missing"])
        self.assertEqual(agent.validate_config(config(lifecycleHook="h")), ["lifecycleHook: must be an object or null"])
        for changes in (dict(launchKind="devbox"), dict(GCP)):
            self.assertEqual(agent.validate_config(config(lifecycleHook=hook, **changes)),
                             ['lifecycleHook: only an AWS Auto Scaling group member (launchKind "asg") has one'])

    def test_load_config_reads_an_absent_lifecycle_hook_as_null(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "agent.json")
            with open(path, "w") as handle:
                json.dump(dict((k, v) for k, v in CONFIG.items() if k != "lifecycleHook"), handle)
            loaded, problems = agent.load_config(path)
            self.assertEqual((problems, loaded["lifecycleHook"]), ([], None))

    def test_signal_names(self):
        self.assertEqual(agent.signal_number("SIGTERM"), 15)
        self.assertEqual(agent.signal_number("usr1"), agent.signal_number("SIGUSR1"))
        self.assertIsNone(agent.signal_number("SIGNOPE"))
        self.assertIsNone(agent.signal_number(15))


class GpuTest(unittest.TestCase):
    def test_utilisation_table(self):
        self.assertEqual(agent.parse_gpu_utilisation("0, 87, 40\n1, 0, [N/A]\n"), [(0, 87.0, 40.0), (1, 0.0, None)])
        for garbage in ("", "No devices were found", "0, 87", "<html>", "GPU 0, 1, 2"):
            self.assertRaises(ValueError, agent.parse_gpu_utilisation, garbage)

    def test_busy_when_util_or_memory_controller_exceeds_the_threshold(self):
        self.assertEqual(agent.gpu_reading([(0, 87, 40)], 5).state, agent.BUSY)
        self.assertEqual(agent.gpu_reading([(0, 3, 40)], 5).detail, "busy: GPU 0 util 3%, mem 40%")
        self.assertEqual(agent.gpu_reading([(0, 5, 5), (1, 0, 0)], 5), agent.Reading(agent.QUIET, "quiet: 2 GPU(s) at or below 5%"))
        self.assertEqual(agent.gpu_reading([(i, 90, 1) for i in range(4)], 5).detail, "busy: GPU 0 util 90%, mem 1% (+3 more)")

    def test_a_gpu_reporting_nothing_is_unknown(self):
        self.assertEqual(agent.gpu_reading([(0, 0, 0), (1, None, None)], 5).state, agent.UNKNOWN)

    def test_inventory_and_cuda_version(self):
        self.assertEqual(agent.parse_gpu_inventory("NVIDIA H100 80GB HBM3, 550.90.07\nNVIDIA H100 80GB HBM3, 550.90.07\n"),
                         [("NVIDIA H100 80GB HBM3", "550.90.07")] * 2)
        self.assertRaises(ValueError, agent.parse_gpu_inventory, "Failed to initialize NVML: Driver/library version mismatch")
        banner = "| NVIDIA-SMI 550.90.07   Driver Version: 550.90.07   CUDA Version: 12.4     |"
        self.assertEqual(agent.parse_cuda_version(banner), "12.4")
        self.assertIsNone(agent.parse_cuda_version("NVIDIA-SMI has failed"))

    def test_missing_failing_and_hanging_nvidia_smi_are_unknown(self):
        with tempfile.TemporaryDirectory() as tmp:
            old_path, old_timeout = os.environ["PATH"], agent.NVIDIA_SMI_TIMEOUT
            try:
                os.environ["PATH"] = tmp
                self.assertEqual(agent.sample_gpu(5), agent.Reading(agent.UNKNOWN, "unknown: nvidia-smi not found on PATH"))
                fake = os.path.join(tmp, "nvidia-smi")
                with open(fake, "w") as handle:
                    handle.write("#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n")
                os.chmod(fake, os.stat(fake).st_mode | stat.S_IEXEC)
                self.assertEqual(agent.sample_gpu(5).detail, "unknown: nvidia-smi exited 9: NVIDIA-SMI has failed")
                with open(fake, "w") as handle:
                    handle.write("#!/bin/sh\nexec /bin/sleep 30\n")
                agent.NVIDIA_SMI_TIMEOUT = 0.3
                self.assertEqual(agent.sample_gpu(5).detail, "unknown: nvidia-smi timed out after 0.3s")
            finally:
                os.environ["PATH"], agent.NVIDIA_SMI_TIMEOUT = old_path, old_timeout


class TpuTest(unittest.TestCase):
    def test_dashboard_duty_cycles_and_holders(self):
        self.assertEqual(agent.parse_tpu_info(TPU_BUSY), ([("0", 0.0), ("1", 87.5)], [1469584, 1469584]))
        self.assertEqual(agent.tpu_reading(TPU_BUSY, 5).detail, "busy: TPU chip 1 duty cycle 87.5%")
        self.assertEqual(agent.tpu_reading(TPU_BUSY, 90).detail, "quiet: 2 TPU chip(s) at or below 90% duty cycle")

    def test_no_metrics_and_no_holder_is_quiet_in_box_drawing_output(self):
        self.assertEqual(agent.parse_tpu_info(TPU_BOX_NO_WORKLOAD), ([("0", None), ("1", None)], []))
        self.assertEqual(agent.tpu_reading(TPU_BOX_NO_WORKLOAD, 5).state, agent.QUIET)

    def test_no_metrics_while_a_process_holds_a_chip_is_unknown(self):
        held = TPU_BUSY.replace("0.00%", "N/A").replace("87.50%", "N/A")
        self.assertEqual(agent.tpu_reading(held, 5).detail, "unknown: pid 1469584 holds the TPU but libtpu reports no duty cycle")

    def test_metric_query_output_and_ansi_colours(self):
        text = "\x1b[3mTPU Duty Cycle\x1b[0m\n+---------+----------------+\n| Core ID | Duty Cycle (%) |\n|---------+----------------|\n| 0       | 100.00%        |\n+---------+----------------+\n"
        self.assertEqual(agent.parse_tpu_info(text), ([("0", 100.0)], None))
        self.assertEqual(agent.tpu_reading(text, 5).state, agent.BUSY)

    def test_garbage_and_missing_chips_are_unknown(self):
        self.assertEqual(agent.tpu_reading("No TPU chips found.\n", 5).state, agent.UNKNOWN)
        self.assertEqual(agent.tpu_reading("Traceback (most recent call last):\n  ...", 5).state, agent.UNKNOWN)
        self.assertEqual(agent.tpu_reading(TPU_BUSY.split("TPU Runtime")[0], 5).detail,
                         "unknown: no duty cycle and chips table in tpu-info output")


class SessionTest(unittest.TestCase):
    def test_authenticated_ssh_connections_count(self):
        self.assertEqual(agent.classify_process("sshd", "sshd: alice@pts/0\0\0\0"), "ssh alice@pts/0")
        self.assertEqual(agent.classify_process("sshd", "sshd: alice@notty"), "ssh alice@notty")
        self.assertEqual(agent.classify_process("sshd-session", "sshd-session: bob@pts/3"), "ssh bob@pts/3")

    def test_listener_monitor_and_unauthenticated_connections_do_not(self):
        for cmdline in ("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", "sshd: alice [priv]",
                        "sshd: unknown [net]", "sshd: alice [preauth]", "/usr/sbin/sshd -D", "sshd: unknown@notty"):
            self.assertIsNone(agent.classify_process("sshd", cmdline), cmdline)

    def test_ssm_session_workers_count_with_truncated_comm(self):
        cmdline = "/usr/bin/ssm-session-worker\0alice-0a1b2c3d\0i-0abc\0"
        self.assertEqual(agent.classify_process("ssm-session-wor", cmdline), "ssm alice-0a1b2c3d")
        self.assertIsNone(agent.classify_process("amazon-ssm-agen", "/usr/bin/amazon-ssm-agent"))
        self.assertIsNone(agent.classify_process("python3", "python3\0train.py"))

    def test_sessions_reading(self):
        processes = [(1, "systemd", "/sbin/init"), (4250, "sshd", "sshd: alice@pts/0"), (5100, "ssm-session-wor", "ssm-session-worker s1")]
        self.assertEqual(agent.sessions_reading(processes).detail, "busy: ssh alice@pts/0 (pid 4250) (+1 more)")
        self.assertEqual(agent.sessions_reading(processes[:1]).state, agent.QUIET)

    def test_scan_processes_reads_a_proc_tree(self):
        with tempfile.TemporaryDirectory() as proc:
            for pid, comm, cmdline, ppid in ((1, "systemd", "/sbin/init\0", 0), (77, "runuser", "runuser\0-u\0ml\0", 1),
                                             (78, "python3", "python3\0train.py\0", 77)):
                os.mkdir(os.path.join(proc, str(pid)))
                for name, text in (("comm", comm + "\n"), ("cmdline", cmdline), ("stat", "%d (%s) S %d 1 1" % (pid, comm, ppid))):
                    with open(os.path.join(proc, str(pid), name), "w") as handle:
                        handle.write(text)
            os.mkdir(os.path.join(proc, "self"))
            self.assertEqual(sorted(agent.scan_processes(proc))[1], (77, "runuser", "runuser\0-u\0ml\0"))
            self.assertEqual(agent.child_pids(proc, 77), [78])


class OtherSignalsTest(unittest.TestCase):
    def test_heartbeat_is_busy_within_the_window_and_active_at_its_mtime(self):
        self.assertEqual(agent.heartbeat_reading(None, 1000.0, 60), agent.Reading(agent.QUIET, "quiet: no heartbeat file"))
        self.assertEqual(agent.heartbeat_reading(990.0, 1000.0, 60), agent.Reading(agent.BUSY, "busy: heartbeat touched 10s ago", 990.0))
        self.assertEqual(agent.heartbeat_reading(900.0, 1000.0, 60).state, agent.QUIET)
        self.assertEqual(agent.heartbeat_reading(5000.0, 1000.0, 60).active_at, 1000.0)  # clock skew: never in the future

    def test_jupyter_kernels(self):
        busy = json.dumps([{"id": "5f1c2a9e-aaaa", "execution_state": "busy"}, {"id": "b", "execution_state": "idle"}])
        self.assertEqual(agent.jupyter_reading(busy).detail, "busy: Jupyter kernel 5f1c2a9e executing")
        self.assertEqual(agent.jupyter_reading("[]"), agent.Reading(agent.QUIET, "quiet: 0 Jupyter kernel(s) idle"))
        self.assertRaises(ValueError, agent.jupyter_reading, '{"message": "Forbidden"}')
        self.assertRaises(ValueError, agent.jupyter_reading, "<html>")

    def test_boot_time_and_created_by(self):
        self.assertEqual(agent.parse_boot_time("cpu  1 2 3\nbtime 1732640000\nprocesses 9\n"), 1732640000)
        self.assertIsNone(agent.parse_boot_time("cpu 1 2 3\n"))
        self.assertEqual(agent.parse_created_by("projects/123/regions/us-central1/instanceGroupManagers/trainers"),
                         agent.GroupRef("trainers", "region", "us-central1"))
        self.assertEqual(agent.parse_created_by("projects/123/zones/us-central1-a/instanceGroupManagers/m"),
                         agent.GroupRef("m", "zone", "us-central1-a"))
        self.assertIsNone(agent.parse_created_by("projects/123/zones/us-central1-a/instances/x"))
        self.assertIsNone(agent.parse_created_by(None))


Q, B, U = agent.Reading(agent.QUIET, "q"), agent.Reading(agent.BUSY, "b"), agent.Reading(agent.UNKNOWN, "u")


class IdleTrackerTest(unittest.TestCase):
    def test_the_agent_start_counts_as_activity(self):
        tracker = agent.IdleTracker(60, 1000.0)
        self.assertFalse(tracker.observe(1050.0, {"gpu": Q}).idle)
        self.assertEqual(tracker.observe(1060.0, {"gpu": Q}), agent.Verdict(True, {}, 60.0))

    def test_busy_and_unknown_reset_the_window(self):
        for noisy in (B, U):
            tracker = agent.IdleTracker(60, 0.0)
            tracker.observe(50.0, {"gpu": noisy, "sessions": Q})
            self.assertEqual(tracker.observe(100.0, {"gpu": Q, "sessions": Q}).quiet_for, 0.0)
            self.assertFalse(tracker.observe(159.0, {"gpu": Q, "sessions": Q}).idle)
            self.assertTrue(tracker.observe(160.0, {"gpu": Q, "sessions": Q}).idle)

    def test_blockers_name_the_signals_and_why(self):
        verdict = agent.IdleTracker(60, 0.0).observe(10.0, {"gpu": U, "sessions": Q, "jupyter": B})
        self.assertEqual(dict(verdict.blockers), {"gpu": "u", "jupyter": "b"})

    def test_a_timestamped_signal_counts_from_its_activity(self):
        tracker = agent.IdleTracker(60, 0.0)
        beat = agent.heartbeat_reading(100.0, 130.0, 60)
        self.assertEqual(dict(tracker.observe(130.0, {"gpu": Q, "heartbeat": beat}).blockers), {"heartbeat": beat.detail})
        self.assertFalse(tracker.observe(159.0, {"gpu": Q, "heartbeat": agent.heartbeat_reading(100.0, 159.0, 60)}).idle)
        self.assertTrue(tracker.observe(160.0, {"gpu": Q, "heartbeat": agent.heartbeat_reading(100.0, 160.0, 60)}).idle)


class DecideTest(unittest.TestCase):
    def test_priorities(self):
        self.assertIsNone(agent.decide(10, 100, False, None, None))
        self.assertEqual(agent.decide(10, 100, True, None, None), "idle")
        self.assertEqual(agent.decide(10, 100, True, 0, None), "job-exit")
        self.assertEqual(agent.decide(100, 100, False, None, None), "ttl")

    def test_a_notice_being_handled_holds_everything_then_only_the_ttl_remains(self):
        self.assertIsNone(agent.decide(500, 100, True, 1, "syncing"))
        self.assertIsNone(agent.decide(50, 100, True, 1, "settled"))
        self.assertEqual(agent.decide(100, 100, True, 1, "settled"), "ttl")


class ActionTest(unittest.TestCase):
    def argv(self, identity, **changes):
        return agent.shutdown_argv(config(**changes), identity)

    def test_aws(self):
        self.assertEqual(self.argv(AWS_IDENTITY), ["aws", "autoscaling", "terminate-instance-in-auto-scaling-group",
                                                   "--instance-id", "i-0abc", "--should-decrement-desired-capacity", "--region", "us-east-1"])
        self.assertEqual(self.argv(AWS_IDENTITY, launchKind="devbox"),
                         ["aws", "ec2", "stop-instances", "--instance-ids", "i-0abc", "--region", "us-east-1"])
        self.assertEqual(self.argv({}, launchKind="instance"), ["systemctl", "poweroff"])
        self.assertIsNone(self.argv({"instanceId": "i-0abc"}))

    def test_gcp(self):
        gcp = dict(GCP)
        self.assertEqual(self.argv(GCP_IDENTITY, **gcp)[4:], ["delete-instances", "trainers", "--instances=trainer-1", "--region=us-central1", "--quiet"])
        zonal = dict(GCP_IDENTITY, createdBy="projects/p/zones/us-central1-a/instanceGroupManagers/z")
        self.assertEqual(self.argv(zonal, **gcp)[5:], ["z", "--instances=trainer-1", "--zone=us-central1-a", "--quiet"])
        self.assertIsNone(self.argv(dict(GCP_IDENTITY, createdBy=None), **gcp))
        gcp["launchKind"] = "devbox"
        self.assertEqual(self.argv(GCP_IDENTITY, **gcp), ["gcloud", "compute", "instances", "stop", "trainer-1", "--zone=us-central1-a", "--quiet"])
        gcp["launchKind"] = "instance"
        self.assertEqual(self.argv(GCP_IDENTITY, **gcp)[3], "delete")

    def test_tpu(self):
        tpu = dict(GCP, launchKind="tpu", gpu=False, tpu={"name": "tpu-v5e-8", "queuedResource": "qr-1", "busyPercent": 5})
        self.assertEqual(self.argv(GCP_IDENTITY, **tpu), ["gcloud", "compute", "tpus", "queued-resources", "delete", "qr-1",
                                                          "--zone=us-central1-a", "--force", "--quiet", "--async"])
        tpu["tpu"] = dict(tpu["tpu"], queuedResource=None)
        self.assertEqual(self.argv({"zone": "us-central1-a"}, **tpu),
                         ["gcloud", "compute", "tpus", "tpu-vm", "delete", "tpu-v5e-8", "--zone=us-central1-a", "--quiet", "--async"])

    def test_a19_lifecycle_commands(self):
        hook = {"name": "gpu-burst-checkpoint", "heartbeatSeconds": 300}
        self.assertEqual(agent.complete_lifecycle_argv(hook, "grp", AWS_IDENTITY), [
            "aws", "autoscaling", "complete-lifecycle-action", "--lifecycle-hook-name", "gpu-burst-checkpoint",
            "--auto-scaling-group-name", "grp", "--lifecycle-action-result", "CONTINUE", "--instance-id", "i-0abc",
            "--region", "us-east-1"])
        self.assertEqual(agent.group_lookup_argv(AWS_IDENTITY)[2:6],
                         ["describe-auto-scaling-instances", "--instance-ids", "i-0abc", "--region"])
        self.assertEqual(agent.parse_group_name("ml-burst-Fleet-1A2B\n"), "ml-burst-Fleet-1A2B")
        for empty in ("None\n", "", None, "a\nb"):
            self.assertIsNone(agent.parse_group_name(empty), empty)

    def test_uploads_and_run_id(self):
        self.assertEqual(agent.upload_argv("aws", "/f", "s3://b/x"), ["aws", "s3", "cp", "/f", "s3://b/x"])
        self.assertEqual(agent.upload_argv("gcp", "/f", "gs://b/x"), ["gcloud", "storage", "cp", "/f", "gs://b/x"])
        self.assertEqual(agent.run_id_for(config(), AWS_IDENTITY, 1732640000), "i-0abc-1732640000")
        self.assertEqual(agent.run_id_for(config(run="sweep-7"), AWS_IDENTITY, 1), "sweep-7")
        self.assertEqual(agent.run_id_for(config(), {}, 5), "unknown-host-5")


class LifecycleHookTest(unittest.TestCase):
    """complete_lifecycle_action with the commands and metadata faked in-process."""

    def setUp(self):
        self.calls, self.results, self.tag, self.events = [], [], None, []
        saved = agent.run_command, agent.Metadata, agent.log, os.environ.get("GPU_BURST_RETRY_SECONDS")
        test = self

        class FakeMetadata:
            def __init__(self, _config):
                pass

            def value(self, path):
                return test.tag if path == agent.GROUP_TAG else None

        def fake_run(argv, timeout, cwd=None, env=None):
            self.calls.append(argv)
            return self.results.pop(0) if self.results else agent.Completed(0, "", "", None)

        agent.run_command, agent.Metadata, os.environ["GPU_BURST_RETRY_SECONDS"] = fake_run, FakeMetadata, "0"
        agent.log = lambda event, **fields: self.events.append(event)

        def restore():
            agent.run_command, agent.Metadata, agent.log = saved[:3]
            if saved[3] is None:
                del os.environ["GPU_BURST_RETRY_SECONDS"]
            else:
                os.environ["GPU_BURST_RETRY_SECONDS"] = saved[3]
        self.addCleanup(restore)
        self.agent = agent.Agent(config(lifecycleHook={"name": "hook", "heartbeatSeconds": 300}))
        self.agent.identity = dict(AWS_IDENTITY)

    def test_a19_the_group_comes_from_the_tag_else_from_auto_scaling_and_the_hook_completes_once(self):
        self.tag = "grp-from-tag"
        self.agent.complete_lifecycle_action()
        self.agent.complete_lifecycle_action()
        self.assertEqual(self.calls, [agent.complete_lifecycle_argv(self.agent.hook, "grp-from-tag", AWS_IDENTITY)])
        other = agent.Agent(config(lifecycleHook={"name": "hook", "heartbeatSeconds": 300}))
        other.identity, self.calls[:], self.tag = dict(AWS_IDENTITY), [], None  # metadata tags off
        self.results = [agent.Completed(0, "grp-from-api\n", "", None)]
        other.complete_lifecycle_action()
        self.assertEqual([c[2] for c in self.calls], ["describe-auto-scaling-instances", "complete-lifecycle-action"])
        self.assertEqual(self.calls[1][6], "grp-from-api")

    def test_a19_a_failing_call_is_retried_and_an_unknown_group_runs_nothing(self):
        self.agent.group = "grp"
        failed = agent.Completed(254, "", "An error occurred (ValidationError)", "aws exited 254")
        self.results = [failed, failed]
        self.agent.complete_lifecycle_action()
        self.assertEqual(len(self.calls), 3)
        self.assertEqual(self.events, ["lifecycle-action-failed", "lifecycle-action-failed", "lifecycle-action-done"])
        lost = agent.Agent(config(lifecycleHook={"name": "hook", "heartbeatSeconds": 300}))
        lost.identity, self.calls[:] = dict(AWS_IDENTITY), []
        self.results = [agent.Completed(0, "None\n", "", None)]
        lost.complete_lifecycle_action()
        self.assertEqual([c[2] for c in self.calls], ["describe-auto-scaling-instances"])
        self.assertEqual(self.events[-1], "lifecycle-action-failed")

    def test_a19_a_notice_is_not_handled_while_the_agent_removes_the_host_itself(self):
        self.agent.shutting_down = "idle"
        self.agent.on_notice("termination", {}, 300)
        self.assertIsNone(self.agent.preemption)
        self.assertEqual(self.calls, [])


class ManifestTest(unittest.TestCase):
    def test_known_values_and_nulls(self):
        manifest = agent.build_manifest(config(), AWS_IDENTITY, "r1", 1732640000, [("NVIDIA H100 80GB HBM3", "550.90.07")] * 8, "12.4")
        self.assertEqual(manifest["accelerator"], {"kind": "gpu", "type": "NVIDIA H100 80GB HBM3", "count": 8})
        self.assertEqual((manifest["driverVersion"], manifest["cudaVersion"], manifest["bootTime"]), ("550.90.07", "12.4", "2024-11-26T16:53:20Z"))
        self.assertEqual((manifest["instanceType"], manifest["imageId"], manifest["gitCommit"]), (None, None, None))
        unknown = agent.build_manifest(config(), {}, "r1", None, None, None)
        self.assertEqual(unknown["accelerator"], {"kind": "gpu", "type": None, "count": None})
        self.assertEqual((unknown["driverVersion"], unknown["bootTime"]), (None, None))
        tpu = agent.build_manifest(config(gpu=False), {"acceleratorType": "v5litepod-8"}, "r", 1, None, None)
        self.assertEqual(tpu["accelerator"], {"kind": "tpu", "type": "v5litepod-8", "count": None})
        self.assertIsNone(agent.build_manifest(config(gpu=False), {}, "r", 1, None, None)["accelerator"])


class ReplayTest(unittest.TestCase):
    def test_idle_to_shutdown_is_the_window_plus_at_most_one_sample(self):
        for onset in (3600, 3601, 3609):
            trace = {"name": "t", "until": 9000, "samples": [{"t": 0, "gpu": [[90, 10]]}, {"t": onset, "gpu": [[0, 0]]}]}
            result = agent.replay(config(idleWindowSeconds=600), trace)
            self.assertEqual(result["decision"], "idle")
            self.assertGreaterEqual(result["idleToShutdownSeconds"], 600)
            self.assertLessEqual(result["idleToShutdownSeconds"], 610)

    def test_gaps_shorter_than_the_window_keep_the_host(self):
        samples = [{"t": t, "gpu": [[90, 10]] if (t // 300) % 2 == 0 else [[0, 0]]} for t in range(0, 3600, 300)]
        trace = {"name": "t", "until": 3590, "samples": samples}
        self.assertEqual(agent.replay(config(idleWindowSeconds=310), trace)["decision"], "none")

    def test_the_ttl_fires_at_boot_plus_ttl(self):
        trace = {"name": "t", "until": 99999, "bootOffsetSeconds": 100, "samples": [{"t": 0, "gpu": "fail"}]}
        result = agent.replay(config(ttlSeconds=1000), trace)
        self.assertEqual((result["decision"], result["atSeconds"]), ("ttl", 900))

    def test_every_recorded_trace_replays_to_its_expected_decision(self):
        traces = sorted(glob.glob(os.path.join(HERE, "traces", "*.json")))
        self.assertGreaterEqual(len(traces), 5)
        for path in traces:
            with open(path) as handle:
                result = agent.replay(config(), json.load(handle))
            self.assertEqual(result["decision"], result["expected"], path)

    def test_an_invalid_override_is_refused(self):
        with self.assertRaises(ValueError):
            agent.replay(config(), {"config": {"sampleSeconds": 60}, "until": 1, "samples": [{"t": 0}]})


if __name__ == "__main__":
    unittest.main()
