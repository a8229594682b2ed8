"""JSON log lines: one object per line, with the request id and, for errors, the traceback."""

from __future__ import annotations

import json
import logging
import sys

from app.core.logging import JsonFormatter, request_id_var


def _record(message: str, *, exc_info: bool = False, **extra: object) -> logging.LogRecord:
    return logging.makeLogRecord(
        {
            "name": "capmatch.test",
            "levelname": "ERROR",
            "msg": message,
            "exc_info": sys.exc_info() if exc_info else None,
            **extra,
        }
    )


def test_an_error_line_carries_its_traceback_in_the_same_object() -> None:
    try:
        raise RuntimeError("webhook target unreachable")
    except RuntimeError:
        record = _record("delivery failed", exc_info=True)
    line = JsonFormatter().format(record)

    assert "\n" not in line  # one log line, whatever the traceback holds
    payload = json.loads(line)
    assert payload["message"] == "delivery failed"
    assert payload["level"] == "error"
    assert payload["exception"].startswith("Traceback (most recent call last):")
    assert payload["exception"].endswith("RuntimeError: webhook target unreachable")


def test_the_request_id_comes_from_the_record_or_else_the_request_being_served() -> None:
    token = request_id_var.set("from-context")
    try:
        from_context = json.loads(JsonFormatter().format(_record("a")))
        from_record = json.loads(JsonFormatter().format(_record("b", request_id="explicit")))
    finally:
        request_id_var.reset(token)
    outside = json.loads(JsonFormatter().format(_record("c")))

    assert from_context["request_id"] == "from-context"
    assert from_record["request_id"] == "explicit"
    assert "request_id" not in outside
