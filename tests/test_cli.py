"""The command line turns its options into settings: the limits of `serve` among them."""

from __future__ import annotations

import pytest

from iuckg.cli import LIMITS, parser, settings_from
from iuckg.settings import Settings


def test_every_limit_is_an_option_of_serve():
    args = parser().parse_args(["serve", "--query-timeout", "2.5", "--threads", "8", "--query-workers", "3",
                                "--query-memory-mb", "512", "--max-result-bytes", "1000", "--max-query-length", "300",
                                "--max-body-bytes", "4000", "--max-rows", "50", "--workers", "1"])
    settings = settings_from(args)
    assert (settings.query_timeout, settings.threads, settings.query_workers, settings.query_memory_mb) == (2.5, 8, 3, 512)
    assert (settings.max_result_bytes, settings.max_query_length, settings.max_body_bytes) == (1000, 300, 4000)
    assert (settings.max_rows, settings.workers) == (50, 1)
    assert set(LIMITS) <= set(Settings.__dataclass_fields__)


def test_limits_default_to_the_settings():
    assert settings_from(parser().parse_args(["serve"])) == Settings()


@pytest.mark.parametrize("value", ["0", "-1", "ten", ""])
def test_a_limit_must_be_a_positive_number(value, capsys):
    with pytest.raises(SystemExit) as stopped:
        parser().parse_args(["serve", "--max-query-length", value])
    assert stopped.value.code == 2
    assert "--max-query-length" in capsys.readouterr().err
