"""article-qa: answers about news articles, every claim cited to an exact span.

    from qa import Assistant
    assistant = Assistant.from_directory("seeds")
    print(assistant.ask("Who met Brahimi?"))
"""
from qa.settings import Settings, SettingsError
from qa.types import Answer, ArticleInfo, Citation, IndexReport, Passage, QAError, Scope

__all__ = ["Answer", "ArticleInfo", "Assistant", "Citation", "IndexReport", "LLMClient", "Passage", "QAError",
           "Scope", "Settings", "SettingsError"]


def __getattr__(name: str):
    # The assistant pulls in numpy and the index code, the client urllib; keep `import qa` itself instant.
    if name == "Assistant":
        from qa.assistant import Assistant

        return Assistant
    if name == "LLMClient":
        from qa.llmclient import LLMClient

        return LLMClient
    raise AttributeError(name)
