import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from qa.settings import Settings, SettingsError, Validated, setting
from qa.types import QAError
from tests.conftest import REPO


def test_defaults_work_out_of_the_box():
    settings = Settings()
    assert settings.corpus_dir == Path("seeds")
    assert settings.resolved_index_dir == Path("seeds/.qa-cache/index")
    assert settings.llm_backend is None  # never an LLM unless configured


def test_environment_overrides_defaults_and_arguments_override_environment():
    env = {"QA_TOP_K": "12", "QA_READER__ANSWER_THRESHOLD": "0.5", "QA_READER__QUANTIZED": "false", "QA_INDEX_DIR": "/tmp/i"}
    settings = Settings.from_env(env, top_k=3)
    assert (settings.top_k, settings.reader.answer_threshold, settings.reader.quantized) == (3, 0.5, False)
    assert settings.resolved_index_dir == Path("/tmp/i")


def test_bad_environment_values_name_the_variable():
    with pytest.raises(ValueError, match="QA_TOP_K"):
        Settings.from_env({"QA_TOP_K": "many"})


# ----- every value checked, with a message naming the variable, the value and what is allowed ---
@pytest.mark.parametrize("variable,value,allowed", [
    ("QA_TOP_K", "-3", "a whole number from 1 to 100"),
    ("QA_TOP_K", "many", "a whole number from 1 to 100"),
    ("QA_READER__ANSWER_THRESHOLD", "1.5", "a number from 0 to 1.01"),
    ("QA_READER__ANSWER_THRESHOLD", "nan", "a number from 0 to 1.01"),
    ("QA_READER__QUANTIZED", "maybe", "true or false (also 1/0, yes/no, on/off)"),
    ("QA_EMBEDDING_BACKEND", "bogus", "one of onnx-int8, onnx, sentence-transformers"),
    ("QA_VECTOR_STORE", "pinecone", "one of faiss, milvus"),
    ("QA_EMBEDDING_THREADS", "0", "a whole number from 1 to 1,024"),
])
def test_bad_values_are_refused_naming_variable_value_and_what_is_allowed(variable, value, allowed):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: value})
    assert str(caught.value) == f"Invalid setting: {variable}={value!r}: must be {allowed}."
    assert isinstance(caught.value, QAError) and isinstance(caught.value, ValueError)


def test_every_bad_variable_is_reported_at_once():
    with pytest.raises(SettingsError, match="2 invalid settings") as caught:
        Settings.from_env({"QA_TOP_K": "0", "QA_EMBEDDING_BACKEND": "x", "QA_CHUNK_SIZE": "200"})
    assert "QA_TOP_K='0'" in str(caught.value) and "QA_EMBEDDING_BACKEND='x'" in str(caught.value)


def test_values_in_code_are_checked_and_converted_too():
    with pytest.raises(SettingsError, match=r"top_k=0: must be a whole number from 1 to 100"):
        Settings(top_k=0)
    with pytest.raises(SettingsError, match=r"quantized='yes': must be true or false"):
        Settings(reader={"quantized": "yes"})
    with pytest.raises(SettingsError, match="chunk_overlap=200: must be smaller than chunk_size"):
        Settings(chunk_overlap=200)
    with pytest.raises(SettingsError, match="unknown setting: topk"):
        Settings.from_env({}, topk=3)
    settings = Settings(corpus_dir="news", reader={"answer_threshold": 1}, embedding_backend=" ONNX ")
    assert settings.corpus_dir == Path("news") and settings.reader.answer_threshold == 1.0
    assert settings.embedding_backend == "onnx"
    assert Settings.from_env({"QA_READER__QUANTIZED": "off", "QA_TOP_K": " 5 "}).reader.quantized is False


def test_secrets_are_never_shown():
    settings = Settings(llm_api_key="sk-secret", vector_store_token="t0k3n")
    assert "sk-secret" not in repr(settings) and "t0k3n" not in repr(settings)
    assert "llm_api_key" not in settings.to_dict() and "vector_store_token" not in settings.to_dict()


def test_nested_settings_are_read_and_checked_the_same_way():
    @dataclass(frozen=True)
    class Inner(Validated):
        threshold: float = setting(0.5, min=0.0, max=1.0)
        mode: Literal["fast", "exact"] = "fast"

    @dataclass(frozen=True)
    class Outer(Settings):
        reader: Inner = field(default_factory=Inner)

    outer = Outer.from_env({"QA_READER__THRESHOLD": "0.25", "QA_READER__MODE": "EXACT", "QA_TOP_K": "4"})
    assert (outer.reader, outer.top_k) == (Inner(0.25, "exact"), 4)
    assert Outer.from_env({"QA_READER__MODE": "exact"}, reader={"threshold": 0.75}).reader == Inner(0.75, "exact")
    with pytest.raises(SettingsError, match=r"QA_READER__THRESHOLD='2': must be a number from 0 to 1"):
        Outer.from_env({"QA_READER__THRESHOLD": "2"})
    with pytest.raises(SettingsError, match=r"mode='slow': must be one of fast, exact"):
        Outer(reader={"mode": "slow"})


def test_a_reader_variable_that_names_no_setting_is_an_error_not_ignored():
    with pytest.raises(SettingsError, match=r"QA_READER__PASAGES: no such setting \(did you mean QA_READER__PASSAGES\?\)"):
        Settings.from_env({"QA_READER__PASAGES": "3"})
    with pytest.raises(SettingsError, match=r"QA_READER__YES_NO_SUPPORT: replaced by QA_READER__YES_NO_SIMILARITY"):
        Settings.from_env({"QA_READER__YES_NO_SUPPORT": "0.5"})
    # Outside the project's nested prefix, QA_ variables may be someone else's.
    assert Settings.from_env({"QA_SOMETHING_ELSE": "1"}).top_k == 8


def test_command_line_errors_are_one_line_without_a_traceback(tmp_path):
    from click.testing import CliRunner

    from qa.cli import main

    for variable, value, expected in [("QA_EMBEDDING_BACKEND", "bogus", "one of onnx-int8"),
                                      ("QA_TOP_K", "-3", "from 1 to 100")]:
        result = CliRunner().invoke(main, ["ask", "Who met Brahimi?", "--corpus", str(tmp_path)], env={variable: value})
        assert result.exit_code == 1, result.output
        assert f"Error: Invalid setting: {variable}={value!r}: must be" in result.output and expected in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_no_module_reads_qa_variables_but_the_settings():
    pattern = re.compile(r"""(environ(\.get)?\s*[(\[]\s*|getenv\(\s*|envvar\s*=\s*)["']QA_""")
    readers = [str(path.relative_to(REPO)) for package in ("qa", "index", "ui", "eval", "bench")
               for path in (REPO / package).rglob("*.py")
               if path != REPO / "qa" / "settings.py" and pattern.search(path.read_text(encoding="utf-8"))]
    assert readers == []


def test_index_does_not_import_qa():
    importers = [str(path.relative_to(REPO)) for path in (REPO / "index").rglob("*.py")
                 if re.search(r"^\s*(from|import) qa\b", path.read_text(encoding="utf-8"), re.MULTILINE)]
    assert importers == []


def test_uploads_and_the_assistant_do_not_import_each_other():
    source = (REPO / "qa" / "uploads.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from qa\.assistant|import qa\.assistant)", source, re.MULTILINE)
