"""Drive asr-emulator with the official DashScope Python SDK (dashscope==2.0.2).

run.sh starts the emulator and sets DASHSCOPE_HTTP_BASE_URL (<base>/api/v1) and
DASHSCOPE_API_KEY before running this file; the SDK reads both when it is imported.
Every check is a function named check_*; each failure is reported with the reason and the
run ends with `conformance: N passed, M failed` (exit status 1 when M > 0).

The point is that a client nobody on this project wrote succeeds against the emulator, so
the checks assert what the SDK hands back to its caller, not the emulator's internals.
"""

import json
import os
import struct
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

import dashscope
from dashscope import MultiModalConversation, Transcription
from dashscope.audio.asr import VocabularyService
from dashscope.audio.asr.vocabulary import VocabularyServiceException
from dashscope.audio.qwen_asr import QwenTranscription

# An https URL the emulator does not download (no --fetch): it answers with a transcript of
# its own. Hosts under the reserved `.invalid` domain never resolve, so the emulator fails
# them with InvalidFile.DownloadFailed as the service does for unreachable files.
GOOD_URL = "https://conformance.example.com/audio/meeting.wav"
BAD_URL = "https://missing.invalid/audio/gone.wav"
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FIXTURE_AUDIO = os.path.join(REPO, "fixtures", "audio")

TERMINAL = {"SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"}


class CheckFailed(Exception):
    """An assertion about the SDK's view of the emulator did not hold."""


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def expect_ok(response, what):
    expect(
        response.status_code == 200,
        f"{what}: expected HTTP 200, got {response.status_code} "
        f"code={response.code!r} message={response.message!r}",
    )


def download_json(url):
    """Result documents are plain signed URLs: fetched without any DashScope header."""
    with urllib.request.urlopen(url, timeout=30) as reply:
        expect(reply.status == 200, f"GET {url}: status {reply.status}")
        return json.loads(reply.read().decode("utf-8"))


def find_task(tasks, task_id):
    for item in tasks:
        if item.get("task_id") == task_id:
            return item
    return None


# --- async file transcription ---------------------------------------------------------------


def check_transcription_async_call_wait_fetch():
    submitted = Transcription.async_call(model="fun-asr", file_urls=[GOOD_URL, BAD_URL])
    expect_ok(submitted, "Transcription.async_call")
    task_id = submitted.output.task_id
    expect(bool(task_id), "async_call returned no task_id")
    expect(
        submitted.output.task_status in ("PENDING", "RUNNING"),
        f"fresh task status {submitted.output.task_status!r}, expected PENDING",
    )

    done = Transcription.wait(task=submitted)
    expect_ok(done, "Transcription.wait")
    expect(
        done.output.task_status == "SUCCEEDED",
        f"task ended {done.output.task_status!r}, expected SUCCEEDED "
        "(one of two files succeeded)",
    )
    results = done.output["results"]
    expect(len(results) == 2, f"expected 2 results, got {len(results)}")
    by_url = {r["file_url"]: r for r in results}
    ok = by_url.get(GOOD_URL)
    bad = by_url.get(BAD_URL)
    expect(ok is not None and bad is not None, f"results do not echo file_url: {results}")
    expect(ok["subtask_status"] == "SUCCEEDED", f"good file: {ok}")
    expect(bad["subtask_status"] == "FAILED", f"bad file: {bad}")
    expect(bad.get("code") == "InvalidFile.DownloadFailed", f"bad file code: {bad}")
    metrics = done.output["task_metrics"]
    expect(
        metrics == {"TOTAL": 2, "SUCCEEDED": 1, "FAILED": 1},
        f"task_metrics {metrics}",
    )
    expect(done.usage is not None and "duration" in done.usage, f"usage {done.usage}")

    document = download_json(ok["transcription_url"])
    expect(document.get("file_url") == GOOD_URL, f"result file_url {document.get('file_url')}")
    transcripts = document.get("transcripts") or []
    expect(len(transcripts) >= 1, "result has no transcripts")
    expect(transcripts[0].get("text"), "transcript text is empty")
    sentences = transcripts[0].get("sentences") or []
    expect(sentences and sentences[0].get("sentence_id") == 1, f"sentences {sentences[:1]}")

    # A URL whose file name is a committed recording gets its recorded transcript.
    path, recorded = fixture_recording()
    if path is not None:
        known_url = "https://conformance.example.com/fixtures/" + os.path.basename(path)
        known = Transcription.wait(
            task=Transcription.async_call(model="fun-asr", file_urls=[known_url])
        )
        expect(known.output.task_status == "SUCCEEDED", f"known file: {known.output}")
        known_doc = download_json(known.output["results"][0]["transcription_url"])
        got = known_doc["transcripts"][0]["text"]
        expect(got == recorded, f"{known_url} transcribed as {got!r}, want {recorded!r}")

    fetched = Transcription.fetch(task=task_id)
    expect_ok(fetched, "Transcription.fetch")
    expect(fetched.output.task_status == "SUCCEEDED", f"fetch: {fetched.output.task_status}")
    expect(fetched.output.task_id == task_id, "fetch answered another task")


def check_transcription_diarization_adds_speaker_ids():
    submitted = Transcription.async_call(
        model="fun-asr",
        file_urls=[GOOD_URL],
        diarization_enabled=True,
        speaker_count=2,
    )
    expect_ok(submitted, "async_call with diarization")
    done = Transcription.wait(task=submitted)
    expect(done.output.task_status == "SUCCEEDED", f"status {done.output.task_status}")
    document = download_json(done.output["results"][0]["transcription_url"])
    sentences = document["transcripts"][0]["sentences"]
    expect(
        all("speaker_id" in s for s in sentences),
        f"diarization_enabled but sentences lack speaker_id: {sentences[:2]}",
    )


def check_transcription_cancel_pending_then_not_pending():
    submitted = Transcription.async_call(model="fun-asr", file_urls=[GOOD_URL])
    expect_ok(submitted, "async_call")
    canceled = Transcription.cancel(submitted)
    expect_ok(canceled, "Transcription.cancel of a PENDING task")
    fetched = Transcription.fetch(task=submitted)
    expect(
        fetched.output.task_status == "CANCELED",
        f"after cancel the task is {fetched.output.task_status!r}",
    )
    again = Transcription.cancel(submitted)
    expect(
        again.status_code == 400 and again.code == "UnsupportedOperation",
        f"second cancel: {again.status_code} {again.code} {again.message}",
    )


def check_transcription_list_with_filters():
    submitted = Transcription.async_call(model="paraformer-v2", file_urls=[GOOD_URL])
    expect_ok(submitted, "async_call")
    task_id = submitted.output.task_id
    listed = Transcription.list(model_name="paraformer-v2", page_no=1, page_size=100)
    expect_ok(listed, "Transcription.list")
    page = listed.output
    for key in ("total", "total_page", "page_no", "page_size", "data"):
        expect(key in page, f"list output lacks {key!r}: {sorted(page)}")
    item = find_task(page["data"], task_id)
    expect(item is not None, f"task {task_id} missing from the list")
    expect(item.get("model_name") == "paraformer-v2", f"list item {item}")
    others = Transcription.list(model_name="no-such-model", page_no=1, page_size=10)
    expect_ok(others, "Transcription.list with another model")
    expect(
        find_task(others.output["data"], task_id) is None,
        "model_name filter did not exclude the task",
    )
    Transcription.wait(task=submitted)
    succeeded = Transcription.list(status="SUCCEEDED", page_no=1, page_size=100)
    expect_ok(succeeded, "Transcription.list status=SUCCEEDED")
    expect(
        find_task(succeeded.output["data"], task_id) is not None,
        "status=SUCCEEDED filter lost a finished task",
    )
    small = Transcription.list(page_no=1, page_size=1)
    expect(len(small.output["data"]) == 1, f"page_size=1 gave {len(small.output['data'])}")


def check_fetch_unknown_task_is_unknown():
    fetched = Transcription.fetch(task="00000000-0000-0000-0000-000000000000")
    expect_ok(fetched, "fetch of an unknown id")
    expect(
        fetched.output.task_status == "UNKNOWN",
        f"unknown id status {fetched.output.task_status!r}",
    )


def check_wrong_api_key_is_invalid_api_key():
    fetched = Transcription.fetch(task="anything", api_key="not-a-dashscope-key")
    expect(
        fetched.status_code == 401 and fetched.code == "InvalidApiKey",
        f"bad key: {fetched.status_code} {fetched.code} {fetched.message}",
    )


def check_qwen_filetrans_file_url_shape():
    submitted = QwenTranscription.async_call(
        model="qwen3-asr-flash-filetrans",
        file_url=GOOD_URL,
        enable_words=True,
    )
    expect_ok(submitted, "QwenTranscription.async_call")
    done = QwenTranscription.wait(task=submitted)
    expect_ok(done, "QwenTranscription.wait")
    expect(done.output.task_status == "SUCCEEDED", f"status {done.output.task_status}")
    result = done.output["result"]
    document = download_json(result["transcription_url"])
    transcripts = document.get("transcripts") or []
    expect(transcripts and transcripts[0].get("text"), f"qwen filetrans result {document}")
    expect(done.usage is not None and "seconds" in done.usage, f"usage {done.usage}")


# --- vocabularies ---------------------------------------------------------------------------


def wait_deployed(service, vocabulary_id, budget_s=30.0):
    deadline = time.monotonic() + budget_s
    while True:
        info = service.query_vocabulary(vocabulary_id)
        if info["status"] == "OK":
            return info
        expect(info["status"] == "UNDEPLOYED", f"unexpected status {info['status']!r}")
        expect(time.monotonic() < deadline, f"{vocabulary_id} not OK after {budget_s}s")
        time.sleep(0.2)


def check_vocabulary_lifecycle():
    service = VocabularyService()
    words = [{"text": "赛德克巴莱", "weight": 4, "lang": "zh"}]
    vocabulary_id = service.create_vocabulary(
        target_model="fun-asr", prefix="conf", vocabulary=words
    )
    expect(vocabulary_id.startswith("vocab-conf-"), f"id {vocabulary_id}")
    try:
        listed = service.list_vocabularies(prefix="conf")
        expect(
            any(v["vocabulary_id"] == vocabulary_id for v in listed),
            f"list_vocabularies(prefix) lacks {vocabulary_id}: {listed}",
        )
        info = wait_deployed(service, vocabulary_id)
        expect(info["target_model"] == "fun-asr", f"query {info}")
        expect(info["vocabulary"] == words, f"query vocabulary {info['vocabulary']}")

        new_words = [{"text": "hello world", "weight": 5, "lang": "en"}]
        service.update_vocabulary(vocabulary_id, new_words)
        info = wait_deployed(service, vocabulary_id)
        expect(info["vocabulary"] == new_words, f"after update {info['vocabulary']}")
    finally:
        service.delete_vocabulary(vocabulary_id)
    try:
        service.query_vocabulary(vocabulary_id)
    except VocabularyServiceException as error:
        expect(
            "BadRequest.ResourceNotExist" in str(error),
            f"query after delete raised {error}",
        )
    else:
        raise CheckFailed("query_vocabulary after delete did not raise")


def check_vocabulary_quota_and_validation():
    service = VocabularyService()
    created = []
    # The quota counts every list of the account, including any an earlier check left.
    existing = len(service.list_vocabularies(page_index=0, page_size=100))
    try:
        for _ in range(10 - existing):
            created.append(
                service.create_vocabulary(
                    target_model="paraformer-v2",
                    prefix="quota",
                    vocabulary=[{"text": "通义千问", "weight": 4}],
                )
            )
        try:
            service.create_vocabulary(
                target_model="paraformer-v2",
                prefix="quota",
                vocabulary=[{"text": "one more", "weight": 4}],
            )
        except VocabularyServiceException as error:
            expect("Throttling.AllocationQuota" in str(error), f"11th create: {error}")
        else:
            raise CheckFailed("the 11th vocabulary was accepted; the quota is 10")
        listed = service.list_vocabularies(prefix="quota", page_index=0, page_size=4)
        expect(len(listed) == 4, f"page_size=4 gave {len(listed)} lists")
    finally:
        for vocabulary_id in created:
            service.delete_vocabulary(vocabulary_id)
    try:
        service.create_vocabulary(
            target_model="fun-asr", prefix="bad", vocabulary=[{"text": "x", "weight": 9}]
        )
    except VocabularyServiceException as error:
        expect("InvalidParameter" in str(error) and "weight" in str(error), f"{error}")
    else:
        raise CheckFailed("weight 9 was accepted; the range is 1-5")


# --- qwen3-asr-flash through MultiModalConversation -----------------------------------------


def reply_text(response):
    choice = response.output.choices[0]
    return "".join(part.get("text", "") for part in choice.message.content)


def check_multimodal_qwen3_asr_flash_url():
    messages = [
        {"role": "system", "content": [{"text": "Bulge Bracket, Boutique"}]},
        {"role": "user", "content": [{"audio": GOOD_URL}]},
    ]
    response = MultiModalConversation.call(
        model="qwen3-asr-flash",
        messages=messages,
        result_format="message",
        asr_options={"language": "en", "enable_itn": False},
    )
    expect_ok(response, "MultiModalConversation.call")
    expect(reply_text(response), "empty transcription")
    choice = response.output.choices[0]
    expect(choice.finish_reason == "stop", f"finish_reason {choice.finish_reason!r}")
    annotations = choice.message.get("annotations") or []
    expect(
        annotations and annotations[0].get("type") == "audio_info",
        f"annotations {annotations}",
    )
    expect(annotations[0].get("language") == "en", f"language {annotations[0]}")
    expect("seconds" in response.usage, f"usage {response.usage}")


def check_multimodal_qwen3_asr_flash_stream_matches_plain():
    messages = [{"role": "user", "content": [{"audio": GOOD_URL}]}]
    plain = MultiModalConversation.call(model="qwen3-asr-flash", messages=messages)
    expect_ok(plain, "non-stream call")
    # incremental_output=False makes the SDK ask for deltas and merge them itself.
    merged = None
    events = 0
    for part in MultiModalConversation.call(
        model="qwen3-asr-flash",
        messages=messages,
        stream=True,
        incremental_output=False,
    ):
        expect_ok(part, "stream event")
        merged = part
        events += 1
    expect(events >= 2, f"stream had {events} events, expected several")
    expect(
        reply_text(merged) == reply_text(plain),
        f"merged stream text {reply_text(merged)!r} != plain {reply_text(plain)!r}",
    )
    # Without incremental_output the service sends the whole text so far in every event.
    last = None
    for part in MultiModalConversation.call(
        model="qwen3-asr-flash", messages=messages, stream=True
    ):
        expect_ok(part, "cumulative stream event")
        last = part
    expect(
        last is not None and reply_text(last) == reply_text(plain),
        "the last cumulative event does not hold the whole text",
    )
    expect(
        last.output.choices[0].finish_reason == "stop",
        f"last event finish_reason {last.output.choices[0].finish_reason!r}",
    )


def write_test_wav(path, seconds=1.5, rate=16000):
    """A quiet 16-bit mono tone; only used when fixtures/audio has no recording."""
    frames = int(seconds * rate)
    data = b"".join(struct.pack("<h", (i * 40) % 2000 - 1000) for i in range(frames))
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", len(data))
    with open(path, "wb") as out:
        out.write(header + data)


def fixture_recording():
    """(path, recorded text) of a committed mono recording, or (None, None) if there is none.

    fixtures/audio/transcripts.json is {"files": [{"name", "channels": [{"text", …}], …}]}.
    """
    manifest_path = os.path.join(FIXTURE_AUDIO, "transcripts.json")
    if not os.path.isfile(manifest_path):
        return None, None
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    for entry in manifest.get("files", []):
        name = entry.get("name", "")
        channels = entry.get("channels") or []
        path = os.path.join(FIXTURE_AUDIO, name)
        if name.endswith(".wav") and len(channels) == 1 and os.path.isfile(path):
            return path, channels[0].get("text")
    return None, None


def check_multimodal_local_file_upload():
    path, expected = fixture_recording()
    with tempfile.TemporaryDirectory() as scratch:
        if path is None:
            path = os.path.join(scratch, "conformance_tone.wav")
            write_test_wav(path)
        response = MultiModalConversation.call(
            model="qwen3-asr-flash",
            messages=[{"role": "user", "content": [{"audio": "file://" + path}]}],
            asr_options={"enable_itn": False},
        )
    expect_ok(response, "MultiModalConversation.call with a local file")
    text = reply_text(response)
    expect(text, "empty transcription of the uploaded file")
    if expected:
        expect(text == expected, f"uploaded fixture transcribed as {text!r}, want {expected!r}")


def check_oss_url_requires_resolve_header():
    # An oss:// URL the SDK did not upload itself: it sends no resolve header, so the service
    # (and the emulator) refuse it.
    response = MultiModalConversation.call(
        model="qwen3-asr-flash",
        messages=[
            {"role": "user", "content": [{"audio": "oss://dashscope-instant/x/never.wav"}]}
        ],
    )
    expect(response.status_code == 400, f"status {response.status_code} {response.code}")


def main():
    base = os.environ.get("DASHSCOPE_HTTP_BASE_URL", "")
    if not base.startswith("http://127.0.0.1") and not base.startswith("http://localhost"):
        print(
            f"conformance: DASHSCOPE_HTTP_BASE_URL={base!r} is not a local emulator; "
            "run crates/asr-emulator/conformance/run.sh",
            file=sys.stderr,
        )
        return 2
    print(f"conformance: dashscope {dashscope.__version__} against {base}")
    checks = [
        (name, fn)
        for name, fn in globals().items()
        if name.startswith("check_") and callable(fn)
    ]
    passed, failed = 0, 0
    for name, fn in checks:
        started = time.monotonic()
        try:
            fn()
        except CheckFailed as error:
            failed += 1
            print(f"FAIL {name}: {error}")
        except Exception:  # noqa: BLE001 - any SDK exception is a conformance failure
            failed += 1
            print(f"FAIL {name}: unexpected exception")
            traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {name} ({time.monotonic() - started:.1f}s)")
    print(f"conformance: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
