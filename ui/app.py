"""The page: chat on the left, reader and articles on the right."""
import gradio as gr

from ui import history, render
from ui.access import Access
from ui.articles_view import page_html, page_of
from ui.chat import make_responder, new_conversation
from ui.corpus import UPLOAD_TYPES, CorpusHandlers
from ui.examples import example_questions
from ui.feedback import FeedbackHandler
from ui.scope import LABEL, ScopeControls
from ui.security import middleware
from ui.theme import COUNTER_JS, CSS, READER_JS, bridge_js, theme

# Answering is thread-safe and mostly waits on streaming, so many sessions can run at once;
# corpus changes are serialised by the assistant anyway, one queue slot keeps them in order.
CHAT_CONCURRENCY = 16
AUTH_MESSAGE = "Sign in to ask about the articles."


def build_app(assistant, accounts=None):
    corpus = CorpusHandlers(assistant)
    access = Access(assistant.settings, accounts)
    scopes = ScopeControls(assistant)
    ratings = FeedbackHandler(assistant)
    answer = make_responder(assistant)

    def respond(question, current, request: gr.Request):
        with access.running(request):
            yield from answer(question, current)
    limit = assistant.settings.max_question_chars
    key = history.storage_key(assistant)

    with gr.Blocks(title="Article QA", analytics_enabled=False) as demo:
        session = gr.State(None)
        # Not a secret from the user (it reaches the browser); it keeps one history per index.
        saved = gr.BrowserState(history.saved(None), storage_key=key, secret=key)
        header = gr.HTML(render.header_html(), elem_id="qa-header", js_on_load=None)
        with gr.Row(equal_height=False, elem_id="qa-main"):
            with gr.Column(scale=3, min_width=340):
                chatbot = gr.Chatbot(
                    elem_id="qa-chat", show_label=False, height="70vh", render_markdown=False, autoscroll=False,
                    sanitize_html=True, latex_delimiters=[], feedback_options=None, buttons=[],
                    examples=_examples(assistant),
                    placeholder="Ask a question about the news articles, or try one of these:",
                )
                with gr.Row(equal_height=True, elem_id="qa-input"):
                    question = gr.Textbox(
                        elem_id="qa-question", show_label=False, container=False, scale=8, lines=1,
                        max_lines=4, placeholder="Ask about the articles…", autofocus=True, min_width=200,
                    )
                    ask = gr.Button("Ask", elem_id="qa-ask", variant="primary", scale=1, min_width=80)
                    stop = gr.Button("Stop", elem_id="qa-stop", variant="stop", scale=1, min_width=80, visible=False)
                    clear = gr.Button("New chat", elem_id="qa-new", variant="secondary", scale=1, min_width=100)
                counter = gr.HTML(f'<span class="qa-counter" data-limit="{limit}">0 / {limit:,}</span>',
                                  elem_id="qa-counter", js_on_load=None)
                with gr.Accordion(LABEL, open=False, elem_id="qa-scope-box") as scope_box:
                    scope = gr.HTML(scopes.summary_html(None), elem_id="qa-scope", js_on_load=bridge_js("scope"))
                    with gr.Row():
                        sources = gr.Dropdown(scopes.sources(), value=[], multiselect=True, label="Sources",
                                              elem_id="qa-sources", min_width=160)
                        date_from = gr.Textbox(label="From date", placeholder="YYYY-MM-DD", elem_id="qa-from", min_width=120)
                        date_to = gr.Textbox(label="To date", placeholder="YYYY-MM-DD", elem_id="qa-to", min_width=120)
                # Receive the answers' rating links; nothing to show of their own.
                rating_bridge = gr.HTML("", elem_id="qa-rating", js_on_load=bridge_js("feedback"), visible="hidden")
            with gr.Column(scale=2, min_width=340):
                with gr.Tabs(selected="reader") as tabs:
                    with gr.Tab("Reader", id="reader"):
                        reader = gr.HTML(render.reader_placeholder(), elem_id="qa-reader", js_on_load=READER_JS)
                    with gr.Tab("Articles", id="articles") as articles_tab:
                        search = gr.Textbox(elem_id="qa-article-search", show_label=False, container=False,
                                            placeholder="Search titles, ids or sources…", max_lines=1)
                        articles = gr.HTML(elem_id="qa-articles", js_on_load=bridge_js("articles"))
                        remover = gr.HTML("", elem_id="qa-remover", js_on_load=bridge_js("remove"), visible="hidden")
                        upload = gr.File(
                            elem_id="qa-upload", label="Add articles: " + " ".join(UPLOAD_TYPES),
                            file_count="multiple", file_types=UPLOAD_TYPES, height=110,
                        )
                        status = gr.HTML(elem_id="qa-status", js_on_load=None)

        quiet = dict(api_visibility="private", show_progress="hidden")
        question.change(None, question, None, js=COUNTER_JS, **quiet)

        # ----- asking: Ask is disabled and Stop shown while this session has unanswered questions.
        def busy():
            return gr.Button(interactive=False), gr.Button(visible=True)

        def idle(current):
            waiting = current is not None and current.busy
            return gr.Button(interactive=not waiting), gr.Button(visible=waiting), history.saved(current)

        answering = []
        answer_io = dict(inputs=[question, session], outputs=[question, chatbot, session],
                         concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat", show_progress="hidden")

        def asks(started, api_name=None):
            event = started.then(respond, **answer_io, api_name=api_name,
                                 api_visibility="public" if api_name else "private")
            event.then(idle, session, [ask, stop, saved], queue=False, **quiet)
            answering.append(event)

        # Enter may queue a question while one is answered (they are answered in order); a
        # double click on Ask sends once.
        asks(question.submit(busy, None, [ask, stop], queue=False, trigger_mode="multiple", **quiet), "chat")
        asks(ask.click(busy, None, [ask, stop], queue=False, trigger_mode="once", **quiet))

        def pick_example(evt: gr.SelectData):
            return evt.value["text"]

        asks(chatbot.example_select(pick_example, None, question, **quiet).then(busy, None, [ask, stop], queue=False, **quiet))

        def stop_answers(current):
            if current is not None:
                current.stop()
            return (current.messages if current else [], current, *idle(current))

        stop.click(stop_answers, session, [chatbot, session, ask, stop, saved], cancels=answering, **quiet)

        def start_over(current):
            return (*new_conversation(current), *idle(current))

        clear.click(start_over, session, [chatbot, session, ask, stop, saved], **quiet)
        chatbot.clear(start_over, session, [chatbot, session, ask, stop, saved], **quiet)

        def rate(current, evt: gr.EventData):
            problem = ratings.rate(current, evt._data or {})
            if problem:
                gr.Warning(problem)
            return (current.messages if current else gr.skip()), history.saved(current)

        rating_bridge.click(rate, session, [chatbot, saved], **quiet)

        # ----- reader
        def open_passage(evt: gr.EventData):
            return corpus.open_passage(evt._data or {}), gr.Tabs(selected="reader")

        reader.click(open_passage, None, [reader, tabs], api_visibility="private",
                     concurrency_limit=CHAT_CONCURRENCY, concurrency_id="reader", show_progress="hidden")

        # ----- articles: one page at a time, searched on the server
        def listing(query, current, request: gr.Request, number=0):
            scoped = set(current.scope.articles) if current else set()
            return page_html(page_of(assistant.articles(), query or "", number), query or "", scoped,
                             removable=access.may_edit(request))

        def corpus_view(query, current, request: gr.Request, messages=None):
            """Everything that shows the corpus: after a change, and when the page opens."""
            infos = assistant.articles()
            chat = gr.Chatbot(examples=_examples(assistant)) if messages is None else \
                gr.Chatbot(messages, examples=_examples(assistant))
            return (render.header_html(len(infos)), listing(query, current, request), chat,
                    gr.Dropdown(choices=scopes.sources()), scopes.summary_html(current))

        shown = [header, articles, chatbot, sources, scope]

        def load(stored, current, request: gr.Request):
            current = current or history.restored(assistant, stored)
            return (*corpus_view("", current, request, current.messages if current else []), current)

        demo.load(load, [saved, session], [*shown, session], **quiet)
        # Hiding them is a courtesy to read-only accounts; the handlers below refuse them anyway.
        demo.load(access.edit_controls(upload), None, [upload], **quiet)
        # One page at a time, in the order asked for: a slow unfiltered page requested by opening the
        # tab must not arrive after (and over) the search typed just after it. A page takes milliseconds.
        in_order = dict(concurrency_id="listing", concurrency_limit=1, **quiet)
        articles_tab.select(listing, [search, session], articles, **in_order)
        search.change(listing, [search, session], articles, trigger_mode="always_last", **in_order)

        def article_action(query, current, request: gr.Request, evt: gr.EventData):
            data = evt._data or {}
            current = scopes.session(current)
            if data.get("scope"):
                scopes.toggle_article(current, str(data["scope"]))
            return (listing(query, current, request, int(data.get("page") or 0)), current,
                    scopes.summary_html(current), gr.Accordion(label=scopes.label(current)))

        articles.click(article_action, [search, session], [articles, session, scope, scope_box], **in_order)

        # ----- scope
        def scope_action(current, evt: gr.EventData):
            data = evt._data or {}
            current = scopes.session(current)
            if data.get("clear"):
                scopes.clear_articles(current)
            elif data.get("article"):
                scopes.toggle_article(current, str(data["article"]))
            return current, scopes.summary_html(current), gr.Accordion(label=scopes.label(current))

        scope.click(scope_action, session, [session, scope, scope_box], **quiet)

        def filters(current, chosen, start, end):
            current = scopes.session(current)
            problem = scopes.set_filters(current, chosen, start, end)
            return current, scopes.summary_html(current, problem), gr.Accordion(label=scopes.label(current))

        for trigger in (sources.change, date_from.submit, date_from.blur, date_to.submit, date_to.blur):
            trigger(filters, [session, sources, date_from, date_to], [session, scope, scope_box], **quiet)

        # ----- corpus changes: one at a time, with one progress bar where the outcome will be reported
        corpus_io = dict(concurrency_limit=1, concurrency_id="corpus", api_visibility="private",
                         show_progress="full", show_progress_on=status)

        # The outcome and the refreshed corpus arrive together, so the list never lags the report.
        def do_upload(paths, query, current, request: gr.Request, progress=gr.Progress()):
            with access.editing(request):
                message = corpus.upload(paths, progress)
            return message, None, *corpus_view(query, current, request)

        def do_remove(query, current, request: gr.Request, evt: gr.EventData, progress=gr.Progress()):
            with access.editing(request):
                message = corpus.remove((evt._data or {}).get("article"), progress)
            return message, *corpus_view(query, current, request)

        upload.upload(lambda: "", None, status, queue=False, **quiet) \
            .then(do_upload, [upload, search, session], [status, upload, *shown], **corpus_io)
        # The link's data reaches only the event it triggers, so the removal is that event; its
        # progress bar covers the previous status meanwhile.
        remover.click(do_remove, [search, session], [status, *shown], **corpus_io)
    return demo


def _examples(assistant) -> list[dict]:
    return [{"text": q} for q in example_questions(assistant.articles())]


def launch(demo, host: str, port: int, max_file_bytes: int, settings, accounts=None, block: bool = True) -> None:
    """Serve ``demo``; ``block=False`` returns once it listens (tests run it in their own process)."""
    demo.queue(max_size=settings.queue_size).launch(
        server_name=host, server_port=port, share=False, inbrowser=False, show_error=False,
        prevent_thread_lock=not block, quiet=not block,
        ssr_mode=False, pwa=False, mcp_server=False, enable_monitoring=False,
        theme=theme(), css=CSS, footer_links=["api", "settings"], max_file_size=max_file_bytes,
        auth=accounts.check if accounts else None, auth_message=AUTH_MESSAGE,
        app_kwargs={"middleware": middleware(settings, accounts)},
    )
