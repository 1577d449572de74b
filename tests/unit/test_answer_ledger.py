"""The answer ledger of lifecycle.py: remembers by the whole event, forgets the oldest first, copies."""

from pool_settings_handler.lifecycle import AnswerLedger, event_digest


def test_the_digest_depends_on_every_field_and_not_on_key_order():
    event = {"RequestId": "r", "ResponseURL": "https://x/?sig=1", "ResourceProperties": {"PoolId": "p"}}
    reordered = dict(reversed(list(event.items())))
    assert event_digest(event) == event_digest(reordered)
    assert event_digest(event) != event_digest({**event, "ResponseURL": "https://x/?sig=2"})
    assert event_digest(event) != event_digest({**event, "ResourceProperties": {"PoolId": "q"}})


def test_the_digest_does_not_contain_the_response_url():
    event = {"ResponseURL": "https://127.0.0.1/cloudformation-response/secret-path?X-Amz-Signature=s3cr3t"}
    digest = event_digest(event)
    assert "secret-path" not in digest and "s3cr3t" not in digest


def test_the_ledger_forgets_the_oldest_answer_beyond_its_capacity():
    ledger = AnswerLedger(capacity=2)
    for name in ("a", "b", "c"):
        ledger.remember(name, {"Status": name})
    assert ledger.recall("a") is None
    assert ledger.recall("b") == {"Status": "b"}
    assert ledger.recall("c") == {"Status": "c"}


def test_a_recalled_answer_is_a_copy():
    ledger = AnswerLedger()
    ledger.remember("a", {"Status": "SUCCESS"})
    ledger.recall("a")["Status"] = "FAILED"  # type: ignore[index]
    assert ledger.recall("a") == {"Status": "SUCCESS"}
