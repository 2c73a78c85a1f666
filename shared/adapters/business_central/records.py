"""Records of any entity set (implements `shared.ports.business_central.BusinessCentralRecords`).

The entity-sync engine reads masters by `lastModifiedDateTime` and writes the CRM id
back through the companion API; both work on plain rows in the API's shape.

Quirks handled:
- The companion API (`api/<publisher>/hub/v1.0`) has its own `$batch` endpoint; writes
  are grouped per API, in the order given within each.
- Without `Isolation: snapshot` a `$batch` runs its requests independently: each answer
  stands alone, so one refused write does not undo or stop the others. At most 100
  requests per batch (BC's limit), so more writes make more batches, sent up to five at a
  time (what BC processes at once per user; the rest would only queue).
- Pages are up to 5,000 records (BC allows 20,000; the engine keeps memory flat), 100
  when each comes with its lines (`expand`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shared.adapters.business_central.master_data import BusinessCentralMasterData
from shared.adapters.business_central.wire import ERROR_CODES, MAX_BATCH, batch_request
from shared.adapters.http import error_class_for
from shared.errors import ContractError
from shared.ports.business_central import BcApi, BcWrite, BcWriteResult

RECORD_PAGE_SIZE = 5000
EXPANDED_PAGE_SIZE = 100  # documents read with their lines: a page holds every line of each
BATCHES_IN_FLIGHT = 5  # BC processes five requests of a user at once; more only queue


class BusinessCentralRecordsClient(BusinessCentralMasterData):
    """Rows of any entity set of the company, in v2.0 or the companion API."""

    def records(
        self,
        entity_set: str,
        *,
        api: BcApi = "v2.0",
        filter: str | None = None,
        select: Sequence[str] = (),
        expand: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        yield from self.odata.list(
            f"{self._root(api)}/{self.company}/{entity_set}",
            filter=filter,
            select=list(select) or None,
            expand=expand,
            page_size=EXPANDED_PAGE_SIZE if expand else RECORD_PAGE_SIZE,
        )

    def write_many(self, writes: Sequence[BcWrite]) -> list[BcWriteResult]:
        batches: list[tuple[BcApi, list[tuple[int, BcWrite]]]] = []
        apis: tuple[BcApi, ...] = ("v2.0", "companion")
        for api in apis:
            numbered = [(i, w) for i, w in enumerate(writes) if w.api == api]
            batches += [(api, numbered[s : s + MAX_BATCH])
                        for s in range(0, len(numbered), MAX_BATCH)]  # fmt: skip
        results: dict[int, BcWriteResult] = {}
        # Independent batches go side by side: BC processes five requests of a user at once
        # (the HTTP layer's cap on requests in flight keeps it there).
        with ThreadPoolExecutor(max(1, min(BATCHES_IN_FLIGHT, len(batches)))) as pool:
            answered = pool.map(
                lambda batch: self._independent_batch(batch[0], [w for _, w in batch[1]]), batches
            )
            for (_, chunk), answers in zip(batches, answered, strict=True):
                results.update({i: answer for (i, _), answer in zip(chunk, answers, strict=True)})
        return [results[i] for i in range(len(writes))]

    def _independent_batch(self, api: BcApi, writes: Sequence[BcWrite]) -> list[BcWriteResult]:
        requests = []
        for number, write in enumerate(writes, start=1):
            url = f"{self.company}/{write.path}"
            if_match = write.etag if write.method in ("PATCH", "DELETE") else None
            request = batch_request(write.method, url, dict(write.body) if write.body else None,
                                    if_match=if_match)  # fmt: skip
            request["id"] = str(number)
            requests.append(request)
        response = self.http.request(
            "POST", f"{self._root(api)}/$batch", json={"requests": requests},
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        answers = response.json().get("responses")
        if not isinstance(answers, list) or len(answers) != len(requests):
            raise ContractError(
                f"Business Central answered a $batch of {len(requests)} requests with "
                f"{len(answers) if isinstance(answers, list) else 'no'} responses"
            )
        by_id = {str(answer.get("id")): answer for answer in answers}
        return [_result(by_id.get(str(n), {}), write) for n, write in enumerate(writes, start=1)]

    def _root(self, api: BcApi) -> str:
        return self.companion_path if api == "companion" else self.api_path


def _result(answer: dict[str, Any], write: BcWrite) -> BcWriteResult:
    status = int(answer.get("status", 500))
    body = answer.get("body")
    if status < 400:
        return BcWriteResult(status, body)
    error = (body or {}).get("error") or {} if isinstance(body, dict) else {}
    code = str(error.get("code", ""))
    text = (
        f"Business Central {write.method} {write.path}: {status} {code}: {error.get('message', '')}"
    )
    return BcWriteResult(
        status, body, (ERROR_CODES.get(code) or error_class_for(status))(text, status=status)
    )
