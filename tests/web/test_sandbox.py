"""The query workers of the embedded store cannot reach the network, even when the guard lets a SERVICE through."""

from __future__ import annotations

import time

import pytest

from iuckg.sandbox import cut_off_network, has_network, isolation_problem
from iuckg.web.evaluation import EngineError, Evaluator, Job

from .test_limits import Listener


def service_job(port: int, settings) -> Job:
    """A job whose query calls the listener, with the guard off."""
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    return Job(query, settings.base, (), (), "json", None, 1_000_000, guard=False)


def run_past_the_guard(settings) -> tuple[int, BaseException | None]:
    """Send a SERVICE query to a pool of workers with the guard off: connections seen, error raised."""
    listener = Listener()
    evaluator = Evaluator(settings.with_(query_guard=False, query_workers=2, workers=1))
    error = None
    try:
        evaluator.run(service_job(listener.port, settings))
    except Exception as exc:  # what the engine made of the failed call
        error = exc
    finally:
        time.sleep(0.3)
        evaluator.close()
        listener.stop()
    return listener.connections, error


def test_this_machine_can_isolate():
    assert isolation_problem() is None


def test_workers_cannot_connect_past_a_disabled_guard(web_settings):
    connections, error = run_past_the_guard(web_settings)
    assert connections == 0
    assert isinstance(error, EngineError)  # answered 400 with the engine's message, not 500


def test_without_the_sandbox_the_same_query_gets_out(web_settings):
    """The control: the test above would see a connection if the workers had network."""
    connections, _ = run_past_the_guard(web_settings.with_(isolate_queries=False))
    assert connections >= 1


def test_a_cut_off_process_has_no_network():
    import multiprocessing

    def probe(queue):
        queue.put((has_network(), cut_off_network(), has_network()))

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=probe, args=(queue,))
    process.start()
    before, how, after = queue.get(timeout=30)
    process.join(timeout=30)
    assert before is True and after is False, how


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_isolated_workers_still_answer(web_settings, store):
    evaluator = Evaluator(web_settings.with_(store=store, workers=1, query_workers=1))
    try:
        kind, body = evaluator.run(Job("ASK { ?s ?p ?o }", web_settings.base, (), (), "json", None, 1000))
    finally:
        evaluator.close()
    assert kind == "boolean" and b"true" in body
