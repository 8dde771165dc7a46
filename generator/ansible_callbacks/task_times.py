"""An Ansible callback the host proofs enable beside the project's own
output: when each play and task starts and how each host's result ended,
one JSON object a line, in the file PRODSTACK_TASK_TIMES names. The
generated project never loads it; generator/deploy_phases.py reads the file.
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_times
type: aggregate
short_description: Task start times and results as JSON lines
description: Writes to the file the PRODSTACK_TASK_TIMES variable names.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._file = open(os.environ["PRODSTACK_TASK_TIMES"], "a")  # noqa: SIM115
        self._write(event="loaded")

    def _write(self, **record):
        self._file.write(json.dumps({"t": time.time(), **record}) + "\n")
        self._file.flush()

    def _task(self, task, handler=False):
        role = task._role.get_name() if task._role else ""
        self._write(
            event="task",
            name=task.get_name(),
            path=task.get_path() or "",
            role=role,
            action=task.action,
            handler=handler,
        )

    def _result(self, result, status):
        changed = bool(result._result.get("changed", False))
        self._write(event="result", host=result._host.get_name(), status=status,
                    changed=changed)  # fmt: skip

    def v2_playbook_on_start(self, playbook):
        self._write(event="playbook", file=playbook._file_name)

    def v2_playbook_on_play_start(self, play):
        self._write(event="play", name=play.get_name())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._task(task, handler=True)

    def v2_runner_on_ok(self, result):
        self._result(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._result(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._result(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        self._write(event="end")
        self._file.close()
