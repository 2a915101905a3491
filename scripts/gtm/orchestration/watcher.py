"""What gtm_build changes in cosmos's watcher mode: the producer reports, the node tasks judge; and a model's
tests are judged on the model as it was last built.

In watcher mode one `dbt build` (the producer) runs everything and every node's task reads its result. When
a node fails, dbt completes the build and the node's own task fails (a model's retries and rebuilds it);
cosmos would fail the producer as well, which fails the run and blocks the docs and Assets even when every
retried model recovered. BuildProducer succeeds once dbt has completed and reported every node, and fails
only when dbt itself could not run (then every node task falls back to running its node alone).

Each test task reads the result of its model's tests from the producer. When a model fails in the producer,
dbt skips its tests (cosmos reports them as failed); the model's task then retries, rebuilding the model
alone. Its test task, which never
retries, would still read the producer's verdict on the failed build and stop every downstream model
although the model is now fine. So a test task whose model did not succeed in the producer runs the model's
tests itself (`dbt test --select <model>`), once, on the rebuilt model; a test on two nodes that dbt skipped
runs itself the same way.
"""

from __future__ import annotations

from typing import Any

from cosmos.exceptions import CosmosDbtRunError
from cosmos.operators._watcher.state import (
    DbtNodeStatus,
    get_dbt_event_xcom_key,
    get_status_xcom_key,
    get_xcom_val,
    is_dbt_node_status_success,
    is_producer_task_terminated,
)
from cosmos.operators.watcher import DbtProducerWatcherOperator, DbtTestWatcherOperator

# How cosmos words a dbt run that completed with failing nodes (as opposed to one dbt could not complete).
NODES_FAILED = "dbt invocation completed with errors"


def is_test_watcher(task: Any) -> bool:
    return isinstance(task, DbtTestWatcherOperator)


def is_producer(task: Any) -> bool:
    return isinstance(task, DbtProducerWatcherOperator)


# dbt events of a node before it finishes. Cosmos writes each one to an XCom (the node's latest event), and
# each XCom write is a call to Airflow's API under a lock that dbt's threads wait on: about four writes per
# node, 1,200 nodes. Its watcher task reads that XCom only once the node has finished, so BuildProducer
# keeps the finishing event (NodeFinished) and the error events, and drops these.
UNREAD_NODE_EVENTS = ('"name": "NodeStart"', '"name": "NodeCompiling"', '"name": "NodeExecuting"')


class BuildProducer(DbtProducerWatcherOperator):
    """The watcher producer, green once dbt has reported every node, whatever their results; it writes only
    the node events its watchers read."""

    def _make_parse_callable(self):
        parse = super()._make_parse_callable()

        def parse_read_events(line: str, extra_kwargs: Any) -> None:
            if not any(name in line for name in UNREAD_NODE_EVENTS):
                parse(line, extra_kwargs)

        return parse_read_events

    def execute(self, context: Any, **kwargs: Any) -> Any:
        try:
            return super().execute(context, **kwargs)
        except CosmosDbtRunError as error:
            if not str(error).startswith(NODES_FAILED):
                raise
            self.log.warning(
                "dbt build reported failing nodes; their own tasks fail (models retry): %s", error
            )
            return None


class TestsAfterTheirModel(DbtTestWatcherOperator):
    """A watcher test task that runs its model's tests itself when the model was rebuilt by its own retry."""

    __test__ = False  # not a pytest test class

    def _skipped_by_producer(self, context: Any) -> bool:
        """Whether dbt skipped these tests in the producer because a node they test failed there. A test task
        watches the tests of one model, or (a test on two nodes) one test of its own."""
        ti, uid = context["ti"], self.model_unique_id
        if uid.startswith("test."):
            event = get_xcom_val(ti, self.producer_task_id, get_dbt_event_xcom_key(uid))
            return isinstance(event, dict) and event.get("status") == DbtNodeStatus.SKIPPED
        node = get_xcom_val(ti, self.producer_task_id, get_status_xcom_key(uid))
        return not is_dbt_node_status_success(node.get("status") if isinstance(node, dict) else node)

    def poke(self, context: Any) -> bool:
        if (
            context["ti"].try_number == 1
            and is_producer_task_terminated(self._get_producer_task_status(context))
            and self._skipped_by_producer(context)
        ):
            return self._fallback_to_non_watcher_run(1, context)
        return super().poke(context)
