from pathlib import Path

import pytest

from qa.settings import Settings


def test_defaults_work_out_of_the_box():
    settings = Settings()
    assert settings.corpus_dir == Path("seeds")
    assert settings.resolved_index_dir == Path("seeds/.qa-cache/index")
    assert settings.llm_backend is None  # never an LLM unless configured


def test_environment_overrides_defaults_and_arguments_override_environment():
    env = {"QA_TOP_K": "12", "QA_READER_ANSWER_THRESHOLD": "0.5", "QA_READER_QUANTIZED": "false", "QA_INDEX_DIR": "/tmp/i"}
    settings = Settings.from_env(env, top_k=3)
    assert (settings.top_k, settings.reader.answer_threshold, settings.reader.quantized) == (3, 0.5, False)
    assert settings.resolved_index_dir == Path("/tmp/i")


def test_bad_environment_values_name_the_variable():
    with pytest.raises(ValueError, match="QA_TOP_K"):
        Settings.from_env({"QA_TOP_K": "many"})
